// The command line of every generated executable: parse flags, check the CPU, load and check the
// weights and the input, run, and print classes, timings or a per-layer profile. Exit status:
// 0 success, 1 runtime error (files, shapes, CPU), 2 command-line error.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <new>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cpu_features.hpp"
#include "error.hpp"
#include "file_io.hpp"
#include "model.hpp"
#include "npy.hpp"
#include "pnm.hpp"
#include "stats.hpp"
#include "tensor_dump.hpp"
#include "thread_pool.hpp"
#include "weights_blob.hpp"

namespace rnc::rt {

namespace {

constexpr int kWarmupRuns = 3;
constexpr int kProfileRuns = 10;

// A command-line mistake: exit status 2 and a pointer to --help.
struct UsageError : Error {
  using Error::Error;
};

struct Options {
  std::string input, output, weights;
  std::string labels;    // class names file; empty: print class indices
  std::string dump_dir;  // --dump-dir: every layer's output as .npy
  int top = 5;
  int threads = 1;
  int bench = 0;  // number of timed runs; 0 = no benchmark
  bool json = false, profile = false, help = false, version = false;
};

// One row per flag, so every flag is parsed, and misused, the same way.
struct TextOption {
  std::string_view name;
  std::string Options::*field;
};
struct IntOption {
  std::string_view name;
  int Options::*field;
  int min, max;
};
struct FlagOption {
  std::string_view name;
  bool Options::*field;
};

constexpr TextOption kTextOptions[] = {{"--input", &Options::input},
                                       {"--output", &Options::output},
                                       {"--weights", &Options::weights},
                                       {"--labels", &Options::labels},
                                       {"--dump-dir", &Options::dump_dir}};
constexpr IntOption kIntOptions[] = {{"--top", &Options::top, 1, INT_MAX},
                                     {"--threads", &Options::threads, 1, ThreadPool::kMaxThreads},
                                     {"--bench", &Options::bench, 1, INT_MAX}};
constexpr FlagOption kFlagOptions[] = {{"--json", &Options::json},
                                       {"--profile", &Options::profile},
                                       {"-h", &Options::help},
                                       {"--help", &Options::help},
                                       {"--version", &Options::version}};

template <class Row, std::size_t N>
const Row* find_option(const Row (&rows)[N], std::string_view name) {
  for (const Row& row : rows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

const char* text_or(const char* text, const char* fallback) { return text ? text : fallback; }

int parse_int(std::string_view text, const IntOption& option) {
  const std::string name(option.name);
  long long value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || stop != end || ec == std::errc::invalid_argument) {
    throw UsageError("invalid value '" + std::string(text) + "' for " + name + ": expected an integer");
  }
  if (ec == std::errc::result_out_of_range || value < option.min || value > option.max) {
    const std::string range = option.max == INT_MAX ? "at least " + std::to_string(option.min)
                                                    : std::to_string(option.min) + ".." + std::to_string(option.max);
    throw UsageError(name + " " + std::string(text) + " is out of range; expected " + range);
  }
  return static_cast<int>(value);
}

// GNU conventions: "--name value" or "--name=value"; the last occurrence wins; --help and
// --version act as soon as they are seen, like getopt-based tools.
Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const std::size_t eq = arg.starts_with("--") ? arg.find('=') : std::string_view::npos;
    const std::string name(arg.substr(0, eq));
    const bool has_attached = eq != std::string_view::npos;
    const std::string_view attached = has_attached ? arg.substr(eq + 1) : std::string_view();
    // A following "--flag" is taken as a forgotten value, not as a file name.
    auto value = [&]() -> std::string_view {
      if (has_attached && !attached.empty()) return attached;
      if (has_attached || i + 1 >= argc || std::string_view(argv[i + 1]).starts_with("--") || argv[i + 1][0] == '\0') {
        throw UsageError("option '" + name + "' needs a value");
      }
      return argv[++i];
    };
    if (const FlagOption* flag = find_option(kFlagOptions, name)) {
      if (has_attached) throw UsageError("option '" + name + "' does not take a value");
      options.*(flag->field) = true;
      if (options.help || options.version) return options;
    } else if (const TextOption* text = find_option(kTextOptions, name)) {
      options.*(text->field) = value();
    } else if (const IntOption* number = find_option(kIntOptions, name)) {
      options.*(number->field) = parse_int(value(), *number);
    } else if (arg.size() > 1 && arg[0] == '-') {
      throw UsageError("unknown option '" + name + "'");
    } else {
      throw UsageError("unexpected argument '" + std::string(arg) + "'");
    }
  }
  if (options.input.empty()) throw UsageError("missing required option --input FILE");
  if (options.json && options.bench == 0) throw UsageError("--json needs --bench N");
  return options;
}

// What image file, if any, can feed the model's input.
std::string image_hint(const std::vector<std::int64_t>& shape) {
  if (shape.size() != 4 || (shape[1] != 1 && shape[1] != 3)) return "no image input: use .npy";
  return std::string(shape[1] == 1 ? "PGM" : "PPM") + " " + std::to_string(shape[3]) + "x" + std::to_string(shape[2]);
}

void print_usage(const ModelInfo& info) {
  const char* name = text_or(info.name, "model");
  const std::string weights = info.embedded_blob
                                  ? std::string("embedded in the executable")
                                  : std::string(text_or(info.weights_file, "?")) + " beside the executable";
  std::printf(
      "Usage: %s --input FILE [options]\n"
      "Runs the compiled %s network on one input and prints the most probable classes.\n"
      "\n"
      "  --input FILE     float32 .npy of shape %s, or binary image (%s)\n"
      "  --output FILE    write the output, shape %s, as float32 .npy\n"
      "  --top K          print the K most probable classes (default 5)\n"
      "  --labels FILE    class names, one per line in class order: printed instead of indices\n"
      "  --threads N      threads to run on, 1..%d (default 1)\n"
      "  --bench N        time N runs after %d warm-up runs: min/median/p90 ms, GFLOP/s\n"
      "  --json           with --bench: also print the timings as one JSON line, last\n"
      "  --profile        time every layer over %d runs and print a table\n"
      "  --weights FILE   weights blob (default: %s)\n"
      "  --dump-dir DIR   write every layer's output as NCHW .npy (see resnetc compare)\n"
      "  -h, --help       print this help and exit\n"
      "  --version        print the model name and exit\n"
      "Options with a value also take the form --name=value.\n"
      "\n"
      "Model: input %s, output %s, %.3f GFLOP per run, target %s.\n",
      name, name, shape_string(info.input_shape).c_str(), image_hint(info.input_shape).c_str(),
      shape_string(info.output_shape).c_str(), ThreadPool::kMaxThreads, kWarmupRuns, kProfileRuns, weights.c_str(),
      shape_string(info.input_shape).c_str(), shape_string(info.output_shape).c_str(), info.flops / 1e9,
      text_or(info.required_isa, "generic"));
}

void check_cpu(const ModelInfo& info) {
  const std::string isa = text_or(info.required_isa, "generic");
  if (!cpu_supports(isa)) throw Error(unsupported_cpu_message(isa));
}

std::filesystem::path executable_dir(const char* argv0) {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return exe.parent_path();
  const std::filesystem::path parent = std::filesystem::path(text_or(argv0, "")).parent_path();
  return parent.empty() ? "." : parent;
}

WeightsBlob load_weights(const Options& options, const char* argv0, const ModelInfo& info) {
  const std::string_view hash = text_or(info.model_hash, "");
  if (!options.weights.empty()) {
    return WeightsBlob::from_file(options.weights, hash, info.payload_bytes);
  }
  if (info.embedded_blob) {
    return WeightsBlob::from_memory(info.embedded_blob, info.embedded_blob_size, hash, info.payload_bytes);
  }
  if (!info.weights_file) throw Error("this binary has no embedded weights; pass --weights FILE");
  const std::string path = (executable_dir(argv0) / info.weights_file).string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw Error(path + ": weights blob not found beside the executable; pass --weights FILE");
  }
  return WeightsBlob::from_file(path, hash, info.payload_bytes);
}

std::vector<float> load_npy_input(const std::string& path, const ModelInfo& info) {
  Tensor tensor = read_npy(path);
  if (tensor.shape != info.input_shape) {
    throw Error(path + ": shape is " + shape_string(tensor.shape) + ", the model expects " +
                shape_string(info.input_shape));
  }
  return std::move(tensor.data);
}

// The image fills every batch item.
std::vector<float> load_image_input(const std::string& path, const ModelInfo& info) {
  const std::vector<std::int64_t>& shape = info.input_shape;
  if (shape.size() != 4) {
    throw Error(path + ": an image cannot feed the model's input " + shape_string(shape) + "; pass a .npy");
  }
  const Image image = read_pnm(path);
  if (image.channels != shape[1] || image.height != shape[2] || image.width != shape[3]) {
    auto chw = [](auto c, auto h, auto w) {
      return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
    };
    throw Error(path + ": image is " + chw(image.channels, image.height, image.width) +
                " (channels x height x width), the model expects " + chw(shape[1], shape[2], shape[3]) +
                (image.channels != shape[1] ? " (a PGM has 1 channel, a PPM 3)" : ""));
  }
  std::vector<float> input;
  input.reserve(image.data.size() * static_cast<std::size_t>(shape[0]));
  for (std::int64_t n = 0; n < shape[0]; ++n) {
    input.insert(input.end(), image.data.begin(), image.data.end());
  }
  return input;
}

// The format comes from the magic bytes, not the file name.
std::vector<float> load_input(const std::string& path, const ModelInfo& info) {
  const std::string magic = read_prefix(path, 6);
  if (magic == std::string_view("\x93NUMPY", 6)) return load_npy_input(path, info);
  if (magic.starts_with('P')) return load_image_input(path, info);
  throw Error(path + ": unrecognized input format" + (magic.empty() ? " (empty file)" : "") +
              "; expected a .npy file or a binary PGM/PPM image");
}

// In double, after subtracting the largest logit, so no exp() overflows.
std::vector<double> softmax(const float* logits, std::size_t count, double max) {
  std::vector<double> probs(count);
  double sum = 0;
  for (std::size_t i = 0; i < count; ++i) {
    probs[i] = std::exp(static_cast<double>(logits[i]) - max);
    sum += probs[i];
  }
  for (double& p : probs) p /= sum;
  return probs;
}

int decimal_digits(std::size_t value) { return value < 10 ? 1 : 1 + decimal_digits(value / 10); }

// One class name per line (none for an empty path). The count must equal the model's classes,
// so that the labels of another model are refused rather than silently misnaming classes.
std::vector<std::string> read_labels(const std::string& path, const std::vector<std::int64_t>& output_shape) {
  if (path.empty()) return {};
  if (output_shape.size() != 2) {
    throw Error("--labels " + path + ": needs an output of shape [N, classes], the model's is " +
                shape_string(output_shape));
  }
  const FileBytes file = read_file(path);
  const std::string_view text(reinterpret_cast<const char*>(file.data.get()), file.size);
  std::vector<std::string> labels;
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    std::string_view line = text.substr(begin, end - begin);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) {
      throw Error(path + ":" + std::to_string(labels.size() + 1) + ": empty line; expected one class name per line");
    }
    labels.emplace_back(line);
    begin = end + 1;
  }
  if (static_cast<std::int64_t>(labels.size()) != output_shape[1]) {
    throw Error(path + ": " + std::to_string(labels.size()) + " labels, the model has " +
                std::to_string(output_shape[1]) + " classes (one name per line)");
  }
  return labels;
}

// Indices right-aligned, names left-aligned.
int class_column_width(std::size_t classes, const std::vector<std::string>& labels) {
  int width = 0;
  for (const std::string& label : labels) width = std::max(width, static_cast<int>(label.size()));
  return labels.empty() ? decimal_digits(classes - 1) : -width;
}

void print_top_classes(const float* logits, std::size_t classes, int top, const std::vector<std::string>& labels) {
  if (classes == 0) return;
  // NaN ranks last so that the ordering stays strict; ties go to the lower index.
  auto key = [&](std::size_t i) { return std::isnan(logits[i]) ? -INFINITY : logits[i]; };
  auto before = [&](std::size_t a, std::size_t b) { return key(a) > key(b) || (key(a) == key(b) && a < b); };
  std::vector<std::size_t> order(classes);
  std::iota(order.begin(), order.end(), 0);
  const std::size_t k = std::min(static_cast<std::size_t>(top), classes);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), before);
  const std::vector<double> probs = softmax(logits, classes, key(order[0]));
  const int width = class_column_width(classes, labels);
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t c = order[i];
    const std::string name = labels.empty() ? std::to_string(c) : labels[c];
    std::printf("  class  %*s  prob %.4f  logit %.6g\n", width, name.c_str(), probs[c], static_cast<double>(logits[c]));
  }
}

void print_results(const std::vector<float>& output, const std::vector<std::int64_t>& shape, int top,
                   const std::vector<std::string>& labels) {
  if (shape.size() != 2) {
    std::printf("output: shape %s (not [N, classes]; save it with --output)\n", shape_string(shape).c_str());
    return;
  }
  const auto classes = static_cast<std::size_t>(shape[1]);
  for (std::int64_t n = 0; n < shape[0]; ++n) {
    if (shape[0] > 1) std::printf("batch %lld:\n", static_cast<long long>(n));
    print_top_classes(output.data() + static_cast<std::size_t>(n) * classes, classes, top, labels);
  }
}

double gflops_per_second(double flops, double seconds) { return seconds > 0 ? flops / seconds / 1e9 : 0; }

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void run_benchmark(CompiledModel& model, const float* in, float* out, const Options& options, const ModelInfo& info) {
  for (int i = 0; i < kWarmupRuns; ++i) model.run(in, out);
  std::vector<double> ms(static_cast<std::size_t>(options.bench));
  for (double& t : ms) {
    const double start = now_seconds();
    model.run(in, out);
    t = (now_seconds() - start) * 1e3;
  }
  const TimingSummary s = summarize(std::move(ms));
  const double gflops = gflops_per_second(info.flops, s.median_ms / 1e3);
  std::printf("bench: %d runs, threads %d: min %.3f ms, median %.3f ms, p90 %.3f ms, GFLOP/s %.1f\n", s.runs,
              options.threads, s.min_ms, s.median_ms, s.p90_ms, gflops);
  if (options.json) {
    std::printf(
        "{\"model\": %s, \"runs\": %d, \"threads\": %d, \"min_ms\": %.4f, \"median_ms\": %.4f, "
        "\"p90_ms\": %.4f, \"mean_ms\": %.4f, \"gflops\": %.3f}\n",
        json_string(text_or(info.name, "model")).c_str(), s.runs, options.threads, s.min_ms, s.median_ms, s.p90_ms,
        s.mean_ms, gflops);
  }
}

// int8 layers (their algorithm says so) are measured against the int8 peak, float ones the FMA peak.
bool is_int8_row(const std::string& algorithm) { return algorithm.rfind("int8", 0) == 0; }

void print_profile(const std::vector<LayerProfile>& rows, int threads, double peak_gflops, double peak_int8_gops) {
  double total_seconds = 0, total_flops = 0;
  int name_width = 5, algorithm_width = 9;  // "layer", "algorithm"
  for (const LayerProfile& row : rows) {
    total_seconds += row.seconds;
    total_flops += row.flops;
    name_width = std::max(name_width, static_cast<int>(row.name.size()));
    algorithm_width = std::max(algorithm_width, static_cast<int>(row.algorithm.size()));
  }
  auto print_row = [&](const std::string& name, const std::string& algorithm, double flops, double seconds) {
    const double per_run = seconds / kProfileRuns;
    const double percent = total_seconds > 0 ? 100 * seconds / total_seconds : 0;
    const double gflops = gflops_per_second(flops, per_run);
    const double peak = peak_int8_gops > 0 && is_int8_row(algorithm) ? peak_int8_gops : peak_gflops;
    std::printf("%-*s  %-*s  %9.3f  %8.1f  %6.1f  %6.1f\n", name_width, name.c_str(), algorithm_width,
                algorithm.c_str(), per_run * 1e3, gflops, 100 * gflops / peak, percent);
  };
  std::printf("profile: %d runs, threads %d, peak %.1f GFLOP/s (%.1f per thread, measured now)\n", kProfileRuns,
              threads, peak_gflops, peak_gflops / threads);
  if (peak_int8_gops > 0)
    std::printf(
        "int8 layers: %% of the int8 peak %.1f GOP/s (%.1f per thread, measured now with the kernels' "
        "multiply instructions)\n",
        peak_int8_gops, peak_int8_gops / threads);
  std::printf("%-*s  %-*s  %9s  %8s  %6s  %6s\n", name_width, "layer", algorithm_width, "algorithm", "ms/run",
              "GFLOP/s", "% peak", "% time");
  for (const LayerProfile& row : rows) print_row(row.name, row.algorithm, row.flops, row.seconds);
  print_row("total", "", total_flops, total_seconds);
}

void run_profile(const ModelInfo& info, CompiledModel& model, const float* in, float* out, int threads) {
  model.run(in, out);  // warm-up, not recorded
  std::vector<LayerProfile> rows;
  for (int i = 0; i < kProfileRuns; ++i) model.run_profiled(in, out, rows);
  // Peak of all threads; a missing measure (hand-written models) falls back to 1, printed.
  const double peak = (info.measure_peak_gflops ? info.measure_peak_gflops() : 1.0) * threads;
  const double peak_int8 = info.measure_peak_int8_gops ? info.measure_peak_int8_gops() * threads : 0.0;
  print_profile(rows, threads, peak, peak_int8);
}

// One more run, through the dump path, so the timed run above stays the plain run().
void dump_layers(CompiledModel& model, const float* in, float* out, const std::string& dir) {
  DumpWriter writer(dir);
  model.run_dumped(in, out, [&](std::size_t index, const std::string& name, const Tensor& tensor) {
    writer.write(index, name, tensor);
  });
  std::printf("wrote %zu tensors to %s\n", writer.size(), dir.c_str());
}

// `get_model` is called once the CPU is known to run the model's code.
int run_model(const Options& options, const char* argv0, const ModelInfo& info,
              const std::function<CompiledModel&()>& get_model) {
  check_cpu(info);
  CompiledModel& model = get_model();
  const WeightsBlob blob = load_weights(options, argv0, info);
  model.bind_weights(blob.payload());
  const std::vector<float> input = load_input(options.input, info);
  const std::vector<std::string> labels = read_labels(options.labels, info.output_shape);
  std::vector<float> output(element_count(info.output_shape, "model output"));
  model.set_threads(options.threads);

  const double start = now_seconds();
  model.run(input.data(), output.data());
  const double ms = (now_seconds() - start) * 1e3;
  print_results(output, info.output_shape, options.top, labels);
  std::printf("latency: %.3f ms (1 run)\n", ms);
  if (!options.output.empty()) {
    write_npy(options.output, output.data(), info.output_shape);
    std::printf("wrote %s, shape %s\n", options.output.c_str(), shape_string(info.output_shape).c_str());
  }
  if (!options.dump_dir.empty()) dump_layers(model, input.data(), output.data(), options.dump_dir);
  // Benchmark last, so that its JSON line ends stdout.
  if (options.profile) run_profile(info, model, input.data(), output.data(), options.threads);
  if (options.bench > 0) run_benchmark(model, input.data(), output.data(), options, info);
  if (std::fflush(stdout) != 0) {
    throw Error("cannot write to standard output: " + errno_text(errno));
  }
  return 0;
}

int guarded_main(int argc, char** argv, const ModelInfo& info, const std::function<CompiledModel&()>& get_model) {
  const char* name = text_or(info.name, "model");
  try {
    const Options options = parse_options(argc, argv);
    if (options.help) {
      print_usage(info);
      return 0;
    }
    if (options.version) {
      std::printf("%s (resnetc generated model, target %s)\n", name, text_or(info.required_isa, "generic"));
      return 0;
    }
    return run_model(options, argc > 0 ? argv[0] : nullptr, info, get_model);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: error: %s\nTry '%s --help'.\n", name, e.what(), name);
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: error: out of memory\n", name);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", name, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: error: unknown exception\n", name);
  }
  return 1;
}

}  // namespace

int inference_main(int argc, char** argv, const ModelInfo& info, ModelFactory make) {
  std::unique_ptr<CompiledModel> model;  // outlives the run, freed after the last output
  return guarded_main(argc, argv, info, [&]() -> CompiledModel& {
    model = make();
    return *model;
  });
}

int inference_main(int argc, char** argv, const ModelInfo& info, CompiledModel& model) {
  return guarded_main(argc, argv, info, [&]() -> CompiledModel& { return model; });
}

}  // namespace rnc::rt
