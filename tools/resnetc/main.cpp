// resnetc: an ahead-of-time compiler for ResNet-family networks.
#include <algorithm>
#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "codegen/compile.hpp"
#include "dsl/diagnostics.hpp"
#include "error.hpp"
#include "tools/resnetc/commands.hpp"

namespace {

constexpr const char* kUsage = R"(Usage: resnetc COMMAND [OPTIONS] SPEC

Compiles a ResNet spec (JSON, or the .rn text syntax) or an ONNX model (.onnx, weights
included; docs/onnx.md) into specialized, shape-fixed C++. Every SPEC below may be either.

Commands:
  check SPEC      check every shape; print layers, parameters, MACs and the arena
  run SPEC        run the reference interpreter on an .npy input
  compile SPEC    write a standalone CMake project for the network
  dot SPEC        write the network as Graphviz (stages as clusters, shapes on edges)
  compare D1 D2   compare two layer-by-layer dumps (--dump-dir); name the first layer that differs
  fmt SPEC        convert a spec between JSON and the .rn text syntax (an .onnx to both)

Options:
  -h, --help      show this help (or a command's: resnetc COMMAND --help)
      --version   print the version

Exit status: 0 success, 1 invalid input (spec, model, weights, files), 2 invalid command line.
)";

using Command = int (*)(const std::vector<std::string>&);

struct CommandEntry {
  const char* name;
  Command run;
};

constexpr CommandEntry kCommands[] = {{"check", rnc::cli::check_command},     {"run", rnc::cli::run_command},
                                      {"compile", rnc::cli::compile_command}, {"dot", rnc::cli::dot_command},
                                      {"compare", rnc::cli::compare_command}, {"fmt", rnc::cli::fmt_command}};

// "check, run, ... or fmt", for messages; the table is the only list of commands.
std::string command_list() {
  std::string list;
  for (std::size_t i = 0; i < std::size(kCommands); ++i)
    list += (i == 0 ? "" : i + 1 == std::size(kCommands) ? " or " : ", ") + std::string(kCommands[i].name);
  return list;
}

int dispatch(const std::vector<std::string>& args) {
  if (args.empty()) throw rnc::cli::UsageError(fmt::format("missing command ({})", command_list()));
  if (args[0] == "--help" || args[0] == "-h") {
    fmt::print("{}", kUsage);
    return 0;
  }
  if (args[0] == "--version") {
    fmt::print("resnetc {}\n", rnc::kResnetcVersion);
    return 0;
  }
  for (const CommandEntry& c : kCommands)
    if (args[0] == c.name) return c.run({args.begin() + 1, args.end()});
  throw rnc::cli::UsageError(fmt::format("unknown command '{}' (expected {})", args[0], command_list()));
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return dispatch(args);
  } catch (const rnc::cli::UsageError& e) {
    // Point at the command's own help when the command itself was understood.
    const bool known = !args.empty() && std::any_of(std::begin(kCommands), std::end(kCommands),
                                                    [&](const CommandEntry& c) { return args[0] == c.name; });
    const std::string command = known ? " " + args[0] : "";
    fmt::print(stderr, "resnetc: error: {}\nTry 'resnetc{} --help'.\n", e.what(), command);
    return 2;
  } catch (const rnc::CompileError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return 1;
  } catch (const rnc::rt::Error& e) {
    fmt::print(stderr, "resnetc: error: {}\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "resnetc: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {  // rnc::InternalError, or an exception nothing above expected
    fmt::print(stderr,
               "resnetc: internal error: {}\nThis is a bug in resnetc; please report it with the command line.\n",
               e.what());
    return 70;  // EX_SOFTWARE
  }
}
