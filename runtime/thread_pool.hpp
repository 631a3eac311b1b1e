// Persistent worker threads for the generated code's per-layer parallel loops. run() is on the
// hot path (called once per layer), so it allocates nothing and takes no lock: the job is
// published through an atomic generation counter, completion through an atomic countdown.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace rnc::rt {

class ThreadPool {
 public:
  using Fn = void (*)(void* ctx, int index, int count);
  static constexpr int kMaxThreads = 256;

  explicit ThreadPool(int threads = 1);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // 1..kMaxThreads threads in total, the calling thread included; throws Error otherwise.
  // Must not overlap a run().
  void resize(int threads);
  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(ctx, i, threads()) once for every i, index 0 on the calling thread, and returns
  // when all calls have finished. fn must not throw on workers. One run() at a time.
  void run(Fn fn, void* ctx);

 private:
  void worker_loop(int index, std::uint32_t seen_generation);
  void stop_workers();

  std::vector<std::thread> workers_;
  // The job; written by run() before the generation bump that publishes it.
  Fn fn_ = nullptr;
  void* ctx_ = nullptr;
  int count_ = 1;
  std::atomic<std::uint32_t> generation_{0};
  std::atomic<int> pending_{0};  // workers still inside the current job
  std::atomic<bool> stopping_{false};
};

}  // namespace rnc::rt
