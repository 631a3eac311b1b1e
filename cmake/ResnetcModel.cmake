# resnetc_add_model(NAME SPEC <file> [WEIGHTS <file> | RANDOM_WEIGHTS <seed>]
#                   [INPUT_SHAPE n c h w] [TARGET native|avx512vnni|avx512|avx2|generic] [EMBED_WEIGHTS]
#                   [EXACT] [MAX_MEMORY size]
#                   [PRECISION fp32|int8 [CALIBRATION <file or dir>] [CALIBRATION_METHOD m]
#                    [KEEP_FP32 name...]])
#
# SPEC is a spec (.json, .rn), which needs WEIGHTS or RANDOM_WEIGHTS, or an ONNX model (.onnx),
# which carries its weights (RANDOM_WEIGHTS replaces them).
# Runs resnetc at build time and builds the generated project. Defines
#   NAME         a library target (the model + runtime + the C interface NAME_c.h) with its
#                include directories,
#   NAME_cli     an imported executable: the NAME inference program (weights beside it),
#   NAME_build   the custom target that produces both.
# The generated sources are in ${CMAKE_CURRENT_BINARY_DIR}/NAME, its build in NAME-build.
# Loaded by include() in resnetc's own build, or by find_package(resnetc) from an installed resnetc
# (cmake/resnetcConfig.cmake.in, docs/integration.md).
include_guard(GLOBAL)

function(resnetc_add_model name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "EMBED_WEIGHTS;EXACT"
                        "SPEC;WEIGHTS;RANDOM_WEIGHTS;TARGET;MAX_MEMORY;PRECISION;CALIBRATION;CALIBRATION_METHOD"
                        "INPUT_SHAPE;KEEP_FP32")
  if(NOT arg_SPEC)
    message(FATAL_ERROR "resnetc_add_model(${name}): SPEC <file> is required")
  endif()
  if(arg_SPEC MATCHES "\\.onnx$")
    if(arg_WEIGHTS)
      message(FATAL_ERROR "resnetc_add_model(${name}): an ONNX model carries its weights; WEIGHTS is for specs")
    endif()
  elseif((arg_WEIGHTS AND DEFINED arg_RANDOM_WEIGHTS) OR (NOT arg_WEIGHTS AND NOT DEFINED arg_RANDOM_WEIGHTS))
    message(FATAL_ERROR "resnetc_add_model(${name}): give exactly one of WEIGHTS <file> and RANDOM_WEIGHTS <seed>")
  endif()
  # resnetc's own build, then an installed resnetc (find_package(resnetc)), then one on the PATH.
  if(TARGET resnetc)
    set(resnetc_exe $<TARGET_FILE:resnetc>)
    set(resnetc_dep resnetc)
  elseif(TARGET resnetc::resnetc)
    set(resnetc_exe $<TARGET_FILE:resnetc::resnetc>)
    set(resnetc_dep $<TARGET_FILE:resnetc::resnetc>)
  else()
    find_program(resnetc_exe resnetc REQUIRED)
    set(resnetc_dep ${resnetc_exe})
  endif()

  get_filename_component(spec ${arg_SPEC} ABSOLUTE)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${name})
  set(build ${CMAKE_CURRENT_BINARY_DIR}/${name}-build)
  set(args compile ${spec} -o ${dir} --name ${name})
  set(deps ${spec} ${resnetc_dep})
  if(arg_WEIGHTS)
    get_filename_component(weights ${arg_WEIGHTS} ABSOLUTE)
    list(APPEND args --weights ${weights})
    list(APPEND deps ${weights})
  elseif(DEFINED arg_RANDOM_WEIGHTS)
    list(APPEND args --random-weights ${arg_RANDOM_WEIGHTS})
  endif()
  if(arg_INPUT_SHAPE)
    list(JOIN arg_INPUT_SHAPE "," shape)
    list(APPEND args --input-shape ${shape})
  endif()
  if(arg_TARGET)
    list(APPEND args --target ${arg_TARGET})
  endif()
  if(arg_EMBED_WEIGHTS)
    list(APPEND args --embed-weights)
  endif()
  if(arg_EXACT)
    list(APPEND args --exact)
  endif()
  if(arg_MAX_MEMORY)
    list(APPEND args --max-memory ${arg_MAX_MEMORY})
  endif()
  # int8 (docs/quantization.md): resnetc checks the combination and the calibration files.
  if(arg_PRECISION)
    list(APPEND args --precision ${arg_PRECISION})
  endif()
  if(arg_CALIBRATION)
    get_filename_component(calibration ${arg_CALIBRATION} ABSOLUTE)
    list(APPEND args --calibration ${calibration})
    list(APPEND deps ${calibration})
  endif()
  if(arg_CALIBRATION_METHOD)
    list(APPEND args --calibration-method ${arg_CALIBRATION_METHOD})
  endif()
  if(arg_KEEP_FP32)
    list(JOIN arg_KEEP_FP32 "," keep)
    list(APPEND args --keep-fp32 ${keep})
  endif()

  add_custom_command(
    OUTPUT ${dir}/CMakeLists.txt ${dir}/${name}.hpp ${dir}/${name}.weights
    COMMAND ${resnetc_exe} ${args}
    DEPENDS ${deps}
    COMMENT "resnetc: compiling ${name} from ${arg_SPEC}"
    VERBATIM)
  set(library ${build}/lib${name}_model.a)
  set(c_interface ${build}/lib${name}_c.a)
  set(program ${build}/${name})
  # In resnetc's own build every model links the one runtime library resnetc_runtime (same sources,
  # compiler and flags) instead of compiling its own copy: a third of each nested build.
  set(outputs ${library} ${c_interface} ${program})
  set(shared_runtime "")
  set(runtime_dep "")
  if(TARGET resnetc_runtime)
    set(runtime $<TARGET_FILE:resnetc_runtime>)
    set(shared_runtime -DRESNETC_RUNTIME_LIBRARY=${runtime})
    set(runtime_dep resnetc_runtime)
  else()
    set(runtime ${build}/lib${name}_runtime.a)
    list(APPEND outputs ${runtime})
  endif()
  # The layer code's optimization flag: -O3 unless the calling project sets RESNETC_LAYER_OPTIMIZATION
  # (e.g. -O1 for a quick debug build). Sanitizer builds use -O0: clang's UBSan pointer-overflow
  # checks make the unrolled layer code take minutes per file at -O1, seconds at -O0, and -O0
  # hides nothing from the sanitizers.
  set(layer_optimization "")
  if(RESNETC_LAYER_OPTIMIZATION)
    set(layer_optimization -DRESNETC_LAYER_OPTIMIZATION=${RESNETC_LAYER_OPTIMIZATION})
  elseif(RESNETC_SANITIZE)
    set(layer_optimization -DRESNETC_LAYER_OPTIMIZATION=-O0)
  endif()
  cmake_host_system_information(RESULT processors QUERY NUMBER_OF_LOGICAL_CORES)
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${CMAKE_COMMAND} -S ${dir} -B ${build} -DCMAKE_BUILD_TYPE=Release
            -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
            "-DCMAKE_CXX_FLAGS=${CMAKE_CXX_FLAGS}" "-DCMAKE_CXX_FLAGS_RELEASE=${CMAKE_CXX_FLAGS_RELEASE}"
            "-DCMAKE_EXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}" ${layer_optimization} ${shared_runtime}
    # A clean MAKEFLAGS: the nested make cannot join the parent's jobserver (it would warn and
    # fall back to -j1); it runs one job per processor instead, so one model alone builds in
    # parallel and a parent -j that builds several models at once oversubscribes only mildly.
    COMMAND ${CMAKE_COMMAND} -E env --unset=MAKEFLAGS --unset=MFLAGS
            ${CMAKE_COMMAND} --build ${build} --parallel ${processors}
    DEPENDS ${dir}/CMakeLists.txt ${dir}/${name}.hpp ${dir}/${name}.weights ${runtime_dep}
    COMMENT "Building the generated model ${name}"
    VERBATIM)
  add_custom_target(${name}_build ALL DEPENDS ${library} ${program})

  # The output of a resnetc older than its .resnetc-files manifest would be refused as foreign
  # files; this directory is resnetc_add_model's own, so such an output is cleared once.
  if(EXISTS ${dir}/CMakeLists.txt AND NOT EXISTS ${dir}/.resnetc-files)
    file(REMOVE_RECURSE ${dir})
  endif()

  # An interface library, so that linking NAME also orders the generated build before the link.
  find_package(Threads REQUIRED)
  file(MAKE_DIRECTORY ${dir}/runtime)
  add_library(${name} INTERFACE)
  target_include_directories(${name} INTERFACE ${dir} ${dir}/runtime)
  target_link_libraries(${name} INTERFACE ${c_interface} ${library} ${runtime} Threads::Threads)
  add_dependencies(${name} ${name}_build)
  add_executable(${name}_cli IMPORTED GLOBAL)
  set_target_properties(${name}_cli PROPERTIES IMPORTED_LOCATION ${program})
endfunction()
