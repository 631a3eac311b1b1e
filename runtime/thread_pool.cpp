#include "thread_pool.hpp"

#include <string>
#include <system_error>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "error.hpp"

namespace rnc::rt {

namespace {

// Long enough to bridge the gap between two layers' run() calls (a few microseconds), short
// enough that an idle pool goes to sleep almost at once.
constexpr int kSpinIterations = 4000;

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::this_thread::yield();
#endif
}

// Returns once `value` differs from `old`: spins first, then sleeps in the kernel (futex).
template <class T>
void wait_for_change(const std::atomic<T>& value, T old) {
  for (int i = 0; i < kSpinIterations; ++i) {
    if (value.load(std::memory_order_acquire) != old) return;
    cpu_relax();
  }
  value.wait(old, std::memory_order_acquire);
}

}  // namespace

ThreadPool::ThreadPool(int threads) { resize(threads); }

ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::resize(int threads) {
  if (threads < 1 || threads > kMaxThreads) {
    throw Error("thread pool: " + std::to_string(threads) + " threads is out of range; expected 1.." +
                std::to_string(kMaxThreads));
  }
  if (threads == this->threads()) return;
  stop_workers();
  try {
    workers_.reserve(static_cast<std::size_t>(threads - 1));
    const std::uint32_t generation = generation_.load(std::memory_order_relaxed);
    for (int index = 1; index < threads; ++index) {
      workers_.emplace_back(&ThreadPool::worker_loop, this, index, generation);
    }
  } catch (const std::system_error& e) {
    stop_workers();
    throw Error("thread pool: cannot start " + std::to_string(threads - 1) + " worker threads: " + e.what());
  }
}

void ThreadPool::run(Fn fn, void* ctx) {
  const int count = threads();
  if (count == 1) {
    fn(ctx, 0, 1);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  count_ = count;
  pending_.store(count - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  // Workers use ctx, so they must be done before we return, even if our share throws.
  auto wait_for_workers = [this] {
    for (int left; (left = pending_.load(std::memory_order_acquire)) != 0;) {
      wait_for_change(pending_, left);
    }
  };
  try {
    fn(ctx, 0, count);
  } catch (...) {
    wait_for_workers();
    throw;
  }
  wait_for_workers();
}

// A worker sees every generation exactly once: run() publishes the next one only after all
// workers have counted the previous one down.
void ThreadPool::worker_loop(int index, std::uint32_t seen_generation) {
  for (;;) {
    wait_for_change(generation_, seen_generation);
    seen_generation = generation_.load(std::memory_order_acquire);
    if (stopping_.load(std::memory_order_relaxed)) return;
    fn_(ctx_, index, count_);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

void ThreadPool::stop_workers() {
  if (workers_.empty()) return;
  stopping_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  stopping_.store(false, std::memory_order_relaxed);
}

}  // namespace rnc::rt
