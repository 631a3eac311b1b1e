// Proves the generated run() allocates nothing: counts every operator new and malloc family
// call made while the model runs, at 1 and 2 threads, after the first (warm-up) run.
// Also the smallest example of linking a generated model as a library.
//
//   no_heap_check WEIGHTS
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include "e2e_seed96.hpp"
#include "weights_blob.hpp"

namespace {
std::atomic<long> allocations{0};
}

#if defined(__SANITIZE_ADDRESS__)
#define RESNETC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RESNETC_ASAN 1
#endif
#endif

#ifdef RESNETC_ASAN
// AddressSanitizer owns malloc and operator new (replacing them would pair our malloc with its
// free); its allocation hook sees every allocation of both.
#include <sanitizer/allocator_interface.h>
namespace {
void count_allocation(const volatile void*, std::size_t) { ++allocations; }
void ignore_free(const volatile void*) {}
// Both hooks: the sanitizer runtime refuses to install a null one (and returns 0).
const int hooks_installed = __sanitizer_install_malloc_and_free_hooks(count_allocation, ignore_free);
}  // namespace
#else
extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);
extern "C" void __libc_free(void*);

extern "C" void* malloc(std::size_t size) {
  ++allocations;
  return __libc_malloc(size);
}
extern "C" void* calloc(std::size_t n, std::size_t size) {
  ++allocations;
  return __libc_calloc(n, size);
}
extern "C" void* realloc(void* p, std::size_t size) {
  ++allocations;
  return __libc_realloc(p, size);
}
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = __libc_malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
#endif

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: no_heap_check WEIGHTS\n");
    return 2;
  }
  namespace model = e2e_seed96;
  // The arena is allocated by the constructor, not held inside the object: a local is fine.
  static_assert(sizeof(model::Model) < 4096, "the Model object must not hold its arena");
  model::Model net;
  const auto blob = rnc::rt::WeightsBlob::from_file(argv[1], model::kModelHash, model::kWeightsPayloadBytes);
  net.bind_weights(blob.payload());
  std::vector<float> input(model::kInputFloats), output(model::kOutputFloats);
  for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(i % 97) / 97.0f;
  int failures = 0;
  for (int threads : {1, 2}) {
    net.set_threads(threads);
    net.run(input.data(), output.data());  // warm-up: workers are started by set_threads
    const long before = allocations.load();
    for (int i = 0; i < 3; ++i) net.run(input.data(), output.data());
    const long during = allocations.load() - before;
    std::printf("%s: %ld heap allocations in 3 runs at %d thread(s)\n", during == 0 ? "PASS" : "FAIL", during, threads);
    failures += during != 0;
  }
  // The counter itself must work, or the zeros above prove nothing.
  // (An explicit operator new call: the compiler may drop an unused new-expression entirely.)
  const long probe_before = allocations.load();
  void* volatile probe = ::operator new(64);
  ::operator delete(probe);
  if (allocations.load() == probe_before) {
    std::printf("FAIL: the allocation counter does not see operator new\n");
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
