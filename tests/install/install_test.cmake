# cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK=... -DCXX=... -P install_test.cmake
# (registered by tests/install/CMakeLists.txt; every step must succeed).
function(step)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    list(JOIN ARGV " " command)
    message(FATAL_ERROR "failed (${status}): ${command}")
  endif()
endfunction()

set(prefix ${WORK}/prefix)
set(input ${SOURCE_DIR}/tests/fixtures/seed_narrow/input.npy)
set(seed ${SOURCE_DIR}/examples/resnet18.json)
file(REMOVE_RECURSE ${WORK})

step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(file bin/resnetc lib/cmake/resnetc/resnetcConfig.cmake lib/cmake/resnetc/resnetcConfigVersion.cmake
        lib/cmake/resnetc/ResnetcModel.cmake)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "not installed: ${prefix}/${file}")
  endif()
endforeach()

# Only the prefix is given: the example must find resnetc through its package, not the build tree.
# The layer code at -O1 (RESNETC_LAYER_OPTIMIZATION, forwarded by resnetc_add_model): this test
# checks the integration, not the speed, and -O3 would triple its build time.
step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/out_of_tree -B ${WORK}/build -DCMAKE_PREFIX_PATH=${prefix}
     -DCMAKE_CXX_COMPILER=${CXX} -DCLASSIFY_INPUT_SHAPE=2,1,40,36 -DRESNETC_LAYER_OPTIMIZATION=-O1)
file(STRINGS ${WORK}/build/CMakeCache.txt found REGEX "^resnetc_DIR:")
if(NOT found STREQUAL "resnetc_DIR:PATH=${prefix}/lib/cmake/resnetc")
  message(FATAL_ERROR "the example found resnetc elsewhere: ${found}")
endif()
step(${CMAKE_COMMAND} --build ${WORK}/build)
file(STRINGS ${WORK}/build/classifier-build/CMakeCache.txt optimization REGEX "^RESNETC_LAYER_OPTIMIZATION:")
if(NOT optimization STREQUAL "RESNETC_LAYER_OPTIMIZATION:STRING=-O1")
  message(FATAL_ERROR "resnetc_add_model did not forward RESNETC_LAYER_OPTIMIZATION: ${optimization}")
endif()

step(${WORK}/build/classify ${input} ${WORK}/logits.npy)
step(${prefix}/bin/resnetc run ${seed} --random-weights 42 --input-shape 2,1,40,36 --input ${input}
     --output ${WORK}/reference.npy)
step(${prefix}/bin/resnetc compare ${WORK}/reference.npy ${WORK}/logits.npy --tolerance 1e-5)
