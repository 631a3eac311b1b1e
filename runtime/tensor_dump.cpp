#include "tensor_dump.hpp"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "error.hpp"
#include "file_io.hpp"

namespace rnc::rt {
namespace {

std::string manifest_path(const std::string& dir) { return (std::filesystem::path(dir) / kDumpManifest).string(); }

// One manifest line per tensor, whatever the layer name holds.
std::string printable(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (std::iscntrl(static_cast<unsigned char>(c))) c = '?';
  return out;
}

// Layer names are free text; file names keep only characters that are safe everywhere.
std::string file_name(std::size_t index, const std::string& name) {
  std::string safe;
  for (const char c : name) safe += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "%03zu_", index);
  return prefix + safe + ".npy";
}

}  // namespace

DumpWriter::DumpWriter(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec || !std::filesystem::is_directory(dir_))
    throw Error(dir_ + ": cannot create the dump directory" + (ec ? ": " + ec.message() : ": not a directory"));
  write_manifest();
}

void DumpWriter::write(std::size_t index, const std::string& name, const Tensor& tensor) {
  DumpEntry entry{printable(name), file_name(index, name)};
  write_npy((std::filesystem::path(dir_) / entry.file).string(), tensor.data.data(), tensor.shape);
  entries_[index] = std::move(entry);
  write_manifest();
}

void DumpWriter::write_manifest() const {
  std::string text;
  for (const auto& [index, entry] : entries_) text += entry.file + " " + entry.name + "\n";
  write_file_atomic(manifest_path(dir_), {{text.data(), text.size()}});
}

std::vector<DumpEntry> read_dump_manifest(const std::string& dir) {
  const std::string path = manifest_path(dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(path + ": not found; is " + dir + " a dump directory (written with --dump-dir)?");
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot read");
  std::vector<DumpEntry> entries;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::size_t space = line.find(' ');
    if (space == 0 || space == std::string::npos || space + 1 == line.size())
      throw Error(path + ":" + std::to_string(number) + ": expected 'FILE NAME', found '" + line + "'");
    entries.push_back({line.substr(space + 1), line.substr(0, space)});
  }
  return entries;
}

}  // namespace rnc::rt
