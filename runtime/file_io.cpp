#include "file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <system_error>
#include <utility>

#include "error.hpp"

namespace rnc::rt {

namespace {

// Closes the descriptor on every path out of a function, including exceptions.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // close() can report a deferred write error (NFS, full disk), so writers check it.
  int release_and_close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& path, const char* action, int err) {
  throw Error(path + ": " + action + ": " + errno_text(err));
}

Fd open_for_reading(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail(path, "cannot open", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail(path, "cannot read", errno);
  if (S_ISDIR(st.st_mode)) fail(path, "cannot read", EISDIR);
  return fd;
}

// Reads until `size` bytes or end of file; returns the count read. Retries EINTR/short reads.
std::size_t read_fully(int fd, unsigned char* out, std::size_t size, const std::string& path) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, out + done, size - done);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "cannot read", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

void write_fully(int fd, const ByteRange& part, const std::string& path) {
  const auto* bytes = static_cast<const unsigned char*>(part.data);
  std::size_t done = 0;
  while (done < part.size) {
    const ssize_t n = ::write(fd, bytes + done, part.size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "cannot write", errno);
    }
    done += static_cast<std::size_t>(n);
  }
}

// O_EXCL with our own unique name rather than mkstemp: the kernel then applies the umask to
// mode 0666, so the result gets the permissions any other newly written file would.
// `path` is the name the user gave, for messages.
std::pair<Fd, std::string> create_temp_beside(const std::string& target, const std::string& path) {
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    char suffix[48];
    std::snprintf(suffix, sizeof suffix, ".tmp-%ld-%u", static_cast<long>(::getpid()), counter.fetch_add(1));
    std::string tmp = target + suffix;
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (fd.get() >= 0) return {std::move(fd), std::move(tmp)};
    if (errno != EEXIST) fail(path, "cannot write", errno);
  }
  fail(path, "cannot write", EEXIST);
}

// The file a symlink chain ends at, or `path` itself if it is no link or does not exist yet.
std::string resolve_symlinks(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
  return real ? std::string(real.get()) : path;
}

}  // namespace

void AlignedDelete::operator()(unsigned char* p) const noexcept {
  ::operator delete[](p, std::align_val_t{kBufferAlignment});
}

AlignedBytes allocate_aligned(std::size_t size) {
  void* p = ::operator new[](size, std::align_val_t{kBufferAlignment});
  return AlignedBytes(static_cast<unsigned char*>(p));
}

FileBytes read_file(const std::string& path) {
  Fd fd = open_for_reading(path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail(path, "cannot read", errno);
  // The stat size is a hint (0 for pipes, stale for a growing file); one spare byte lets a
  // regular file end the loop in a single pass.
  std::size_t capacity = st.st_size > 0 ? static_cast<std::size_t>(st.st_size) + 1 : 1 << 16;
  FileBytes file{allocate_aligned(capacity), 0};
  for (;;) {
    file.size += read_fully(fd.get(), file.data.get() + file.size, capacity - file.size, path);
    if (file.size < capacity) return file;
    AlignedBytes bigger = allocate_aligned(capacity * 2);
    std::memcpy(bigger.get(), file.data.get(), file.size);
    file.data = std::move(bigger);
    capacity *= 2;
  }
}

std::string read_prefix(const std::string& path, std::size_t count) {
  Fd fd = open_for_reading(path);
  std::string bytes(count, '\0');
  bytes.resize(read_fully(fd.get(), reinterpret_cast<unsigned char*>(bytes.data()), count, path));
  return bytes;
}

void write_file_atomic(const std::string& path, std::initializer_list<ByteRange> parts) {
  // A device or FIFO (/dev/stdout, /dev/null) cannot be replaced by rename: write it in place.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (fd.get() < 0) fail(path, "cannot write", errno);
    for (const ByteRange& part : parts) write_fully(fd.get(), part, path);
    if (fd.release_and_close() != 0) fail(path, "cannot write", errno);
    return;
  }
  // Through a symlink, replace the file it points to, not the link.
  const std::string target = resolve_symlinks(path);
  auto [fd, tmp] = create_temp_beside(target, path);
  try {
    for (const ByteRange& part : parts) write_fully(fd.get(), part, path);
    // fsync before rename: after a crash the path holds either the old or the whole new file.
    if (::fsync(fd.get()) != 0) fail(path, "cannot write", errno);
    if (fd.release_and_close() != 0) fail(path, "cannot write", errno);
    if (::rename(tmp.c_str(), target.c_str()) != 0) fail(path, "cannot write", errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

std::string errno_text(int err) { return std::generic_category().message(err); }

}  // namespace rnc::rt
