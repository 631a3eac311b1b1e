// Many models in one process, as a server runs them: 8 instances on 8 threads, each with its own
// thread count (1..4, changed every 100 runs), first through the C++ interface, then through the
// C interface. Every output must be bit-identical to a single-threaded reference run of the same
// input, and wrong-sized buffers fed from all threads at once must each give RNC_ERROR_BUFFER_SIZE
// with the calling thread's own message. Built with ThreadSanitizer by tsan_test.sh.
//
//   concurrency_check WEIGHTS [RUNS]      (RUNS per instance and interface, default 300)
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "e2e_general_form.hpp"
#include "e2e_general_form_c.h"
#include "weights_blob.hpp"

namespace {

namespace model = e2e_general_form;

constexpr int kInstances = 8;
constexpr int kInputs = 5;  // distinct inputs, cycled with a different phase per instance
constexpr int kRunsPerThreadCount = 100;

using Floats = std::vector<float>;

// Input k: a deterministic pattern in [-1, 1), different for every k.
Floats make_input(int k) {
  Floats in(model::kInputFloats);
  std::uint32_t state = 2463534242u + static_cast<std::uint32_t>(k) * 7919u;
  for (float& v : in) {
    state ^= state << 13, state ^= state >> 17, state ^= state << 5;  // xorshift32
    v = static_cast<float>(state >> 8) / static_cast<float>(1u << 23) - 1.0f;
  }
  return in;
}

bool same_bits(const Floats& a, const Floats& b) {
  return std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// What one instance saw; written by its thread only, read after the join.
struct Report {
  int runs = 0;
  std::vector<std::string> failures;
  void fail(int instance, const std::string& what) {
    if (failures.size() < 5) failures.push_back("instance " + std::to_string(instance) + ": " + what);
  }
};

int threads_for(int instance, int run) { return 1 + (instance + run / kRunsPerThreadCount) % 4; }

struct Fixture {
  std::vector<Floats> inputs, expected;
  int runs;
};

// Runs `body(instance, report)` on kInstances threads released together; prints and counts failures.
template <class Body>
int on_threads(const char* what, Body body) {
  std::vector<Report> reports(kInstances);
  std::barrier start(kInstances);
  const auto t0 = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kInstances; ++i)
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        body(i, reports[static_cast<std::size_t>(i)]);
      });
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int failures = 0, runs = 0;
  for (const Report& r : reports) {
    for (const std::string& f : r.failures) std::printf("FAIL: %s: %s\n", what, f.c_str());
    failures += static_cast<int>(r.failures.size());
    runs += r.runs;
  }
  std::printf("%s: %s, %d runs on %d instances, threads 1..4 (%.2f s)\n", failures ? "FAIL" : "PASS", what, runs,
              kInstances, seconds);
  return failures;
}

// The C++ interface: a Model on each thread's stack, all sharing one weights payload.
int check_cpp(const Fixture& f, const float* payload) {
  return on_threads("C++ interface, outputs bit-identical", [&](int instance, Report& report) {
    model::Model net;
    net.bind_weights(payload);
    Floats out(model::kOutputFloats);
    for (int run = 0; run < f.runs; ++run) {
      if (run % kRunsPerThreadCount == 0) net.set_threads(threads_for(instance, run));
      const auto k = static_cast<std::size_t>((instance + run) % kInputs);
      net.run(f.inputs[k].data(), out.data());
      if (!same_bits(out, f.expected[k])) report.fail(instance, "run " + std::to_string(run) + " differs");
      ++report.runs;
    }
  });
}

// A wrong size must fail cleanly, naming this thread's own number (last_error is per thread).
void expect_buffer_error(e2e_general_form_model* net, const float* in, float* out, std::size_t in_floats,
                         std::size_t out_floats, const std::string& expected_text, int instance, Report& report) {
  const rnc_status status = e2e_general_form_run(net, in, in_floats, out, out_floats);
  const std::string message = e2e_general_form_last_error();
  if (status != RNC_ERROR_BUFFER_SIZE || message.find(expected_text) == std::string::npos)
    report.fail(instance, "wrong size gave status " + std::to_string(status) + " '" + message + "', expected '" +
                              expected_text + "'");
}

// The C interface: each thread creates its own model from the weights file, runs it, and feeds
// wrong-sized buffers between runs while the other threads run theirs.
int check_c(const Fixture& f, const char* weights) {
  return on_threads("C interface, outputs bit-identical, wrong sizes refused", [&](int instance, Report& report) {
    e2e_general_form_model* net = nullptr;
    if (e2e_general_form_create(weights, &net) != RNC_OK) {
      report.fail(instance, std::string("create: ") + e2e_general_form_last_error());
      return;
    }
    Floats out(model::kOutputFloats);
    const std::size_t bad_in = model::kInputFloats + 1 + static_cast<std::size_t>(instance);
    const std::size_t bad_out = model::kOutputFloats + 1 + static_cast<std::size_t>(instance);
    for (int run = 0; run < f.runs; ++run) {
      if (run % kRunsPerThreadCount == 0 && e2e_general_form_set_threads(net, threads_for(instance, run)) != RNC_OK)
        report.fail(instance, std::string("set_threads: ") + e2e_general_form_last_error());
      const auto k = static_cast<std::size_t>((instance + run) % kInputs);
      const float* in = f.inputs[k].data();
      expect_buffer_error(net, in, out.data(), bad_in, model::kOutputFloats,
                          "input_floats is " + std::to_string(bad_in) + ",", instance, report);
      expect_buffer_error(net, in, out.data(), model::kInputFloats, bad_out,
                          "output_floats is " + std::to_string(bad_out) + ",", instance, report);
      if (e2e_general_form_run(net, in, model::kInputFloats, out.data(), model::kOutputFloats) != RNC_OK)
        report.fail(instance, std::string("run: ") + e2e_general_form_last_error());
      else if (*e2e_general_form_last_error() != '\0') report.fail(instance, "last_error is not empty after a success");
      if (!same_bits(out, f.expected[k])) report.fail(instance, "run " + std::to_string(run) + " differs");
      ++report.runs;
    }
    e2e_general_form_destroy(net);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: concurrency_check WEIGHTS [RUNS]\n");
    return 2;
  }
  Fixture f{{}, {}, argc == 3 ? std::atoi(argv[2]) : 300};
  if (f.runs < 1) {
    std::fprintf(stderr, "concurrency_check: RUNS must be a positive number\n");
    return 2;
  }
  const auto blob = rnc::rt::WeightsBlob::from_file(argv[1], model::kModelHash, model::kWeightsPayloadBytes);
  {  // the reference: one model, one thread, nothing else running
    model::Model reference;
    reference.bind_weights(blob.payload());
    for (int k = 0; k < kInputs; ++k) {
      f.inputs.push_back(make_input(k));
      f.expected.emplace_back(model::kOutputFloats);
      reference.run(f.inputs.back().data(), f.expected.back().data());
    }
  }
  const int failures = check_cpp(f, blob.payload()) + check_c(f, argv[1]);
  return failures == 0 ? 0 : 1;
}
