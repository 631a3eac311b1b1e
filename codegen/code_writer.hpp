// Indented C++ text. Blocks are RAII scopes that close with a comment naming what they close
// ("}  // namespace resnet18"), so long generated files stay navigable.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace rnc {

class CodeWriter {
 public:
  template <typename... Args>
  void line(fmt::format_string<Args...> format, Args&&... args) {
    if (indent_ > 0) out_.append(std::string(static_cast<std::size_t>(indent_) * 2, ' '));
    fmt::format_to(std::back_inserter(out_), format, std::forward<Args>(args)...);
    out_.push_back('\n');
  }
  void blank() { out_.push_back('\n'); }
  std::string str() const { return fmt::to_string(out_); }

  class Block {
   public:
    Block(CodeWriter& w, std::string close) : w_(w), close_(std::move(close)) { ++w_.indent_; }
    ~Block() {
      --w_.indent_;
      w_.line("{}", close_);
    }
    Block(const Block&) = delete;
    Block& operator=(const Block&) = delete;

   private:
    CodeWriter& w_;
    std::string close_;
  };

  // Writes `header {` and returns a scope that writes `close` when it ends.
  [[nodiscard]] Block block(std::string_view header, std::string close = "}") {
    line("{} {{", header);
    return Block(*this, std::move(close));
  }
  // Namespaces are not indented (Google style), so they are plain lines.
  void open_namespace(std::string_view name) { line("namespace {} {{", name); }
  void close_namespace(std::string_view name) { line("}}  // namespace {}", name); }

 private:
  fmt::memory_buffer out_;
  int indent_ = 0;
};

}  // namespace rnc
