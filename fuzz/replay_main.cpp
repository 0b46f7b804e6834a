// The fuzz targets without libFuzzer (the g++ build has none): every corpus file, then a
// fixed, seeded set of mutations of them, so ctest checks the same properties on every run
// and on every machine. A failing input is written to a file before the process dies.
//
//   <target>_fuzz [--mutations=N] [--seed=N] PATH...   (a PATH is a file or a directory)
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Bytes = std::vector<std::uint8_t>;

// No input grows past this: the targets' cost is per byte, and libFuzzer's default
// -max_len for these corpora is of the same order.
constexpr std::size_t kMaxInputBytes = 64 * 1024;

// What the signal handler saves and says. Set before each input, read only in the handler.
const Bytes* current_input = nullptr;
std::string current_note;
std::string crash_path;

extern "C" void SaveInputAndDie(int sig) {
  if (current_input != nullptr) {
    int fd = ::open(crash_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      std::size_t done = 0;
      while (done < current_input->size()) {
        ssize_t n = ::write(fd, current_input->data() + done, current_input->size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      ::close(fd);
    }
    [[maybe_unused]] ssize_t ignored = ::write(2, current_note.data(), current_note.size());
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void CatchCrashes() {
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    struct sigaction sa {};
    sa.sa_handler = SaveInputAndDie;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    ::sigaction(sig, &sa, nullptr);
  }
}

Bytes ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Files in name order, so the mutations below see the same corpus everywhere.
std::vector<std::filesystem::path> CorpusFiles(const std::vector<std::string>& paths) {
  std::vector<std::filesystem::path> files;
  for (const std::string& p : paths) {
    if (std::filesystem::is_directory(p)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(p))
        if (entry.is_regular_file()) files.push_back(entry.path());
    } else {
      files.emplace_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Bytes that separate or delimit fields in the parsed formats, so a mutation lands on a
// boundary more often than a random byte would.
constexpr std::array<std::uint8_t, 20> kInteresting = {0,   0xff, '\n', '\r', '\t', ' ', ',',
                                                       ':', '-',  '+',  '.',  '0',  '9', '"',
                                                       '{', '}',  '[',  ']',  '#',  0x80};

class Mutator {
 public:
  Mutator(std::uint64_t seed, const std::vector<Bytes>& corpus) : rng_(seed), corpus_(corpus) {}

  Bytes Next() {
    Bytes b = corpus_[Below(corpus_.size())];
    for (std::size_t steps = 1 + Below(4); steps > 0; --steps) Mutate(b);
    if (b.size() > kMaxInputBytes) b.resize(kMaxInputBytes);
    return b;
  }

 private:
  // The engine's output is fixed by the standard; the distributions' is not.
  std::size_t Below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }

  void Mutate(Bytes& b) {
    const Bytes& other = corpus_[Below(corpus_.size())];
    std::size_t at = Below(b.size() + 1);
    switch (Below(7)) {
      case 0:  // flip one bit
        if (!b.empty()) b[Below(b.size())] ^= static_cast<std::uint8_t>(1u << Below(8));
        break;
      case 1:  // overwrite a byte with a delimiter
        if (!b.empty()) b[Below(b.size())] = kInteresting[Below(kInteresting.size())];
        break;
      case 2:  // insert a delimiter
        b.insert(b.begin() + at, kInteresting[Below(kInteresting.size())]);
        break;
      case 3:  // truncate
        b.resize(at);
        break;
      case 4:  // delete a range
        b.erase(b.begin() + at, b.begin() + at + Below(b.size() - at + 1));
        break;
      case 5: {  // duplicate a range in place
        std::size_t len = Below(b.size() - at + 1);
        Bytes chunk(b.begin() + at, b.begin() + at + len);
        b.insert(b.begin() + at, chunk.begin(), chunk.end());
        break;
      }
      case 6: {  // splice: this input's head, another corpus file's tail
        std::size_t from = Below(other.size() + 1);
        b.resize(at);
        b.insert(b.end(), other.begin() + from, other.end());
        break;
      }
    }
  }

  std::mt19937_64 rng_;
  const std::vector<Bytes>& corpus_;
};

void Run(const Bytes& input, const std::string& what) {
  current_note = "replay: " + what + " failed; its bytes are in " + crash_path + "\n";
  current_input = &input;
  LLVMFuzzerTestOneInput(input.data(), input.size());
  current_input = nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t mutations = 5000;
  std::uint64_t seed = 1;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.starts_with("--mutations=")) {
      mutations = std::stoul(arg.substr(12));
    } else if (arg.starts_with("--seed=")) {
      seed = std::stoull(arg.substr(7));
    } else if (arg.starts_with("-")) {
      std::fprintf(stderr, "replay: unknown option %s; use --mutations=N, --seed=N\n", argv[i]);
      return 2;
    } else {
      paths.push_back(arg);
    }
  }
  std::vector<std::filesystem::path> files = CorpusFiles(paths);
  if (files.empty()) {
    std::fprintf(stderr, "replay: no corpus files under the given paths\n");
    return 2;
  }
  crash_path = std::filesystem::absolute(std::filesystem::path(argv[0]).filename().string() +
                                         ".failing-input")
                   .string();
  CatchCrashes();

  auto start = std::chrono::steady_clock::now();
  std::vector<Bytes> corpus;
  for (const auto& file : files) {
    corpus.push_back(ReadBytes(file));
    Run(corpus.back(), file.string());
  }
  Mutator mutator(seed, corpus);
  for (std::size_t i = 0; i < mutations; ++i) {
    Bytes input = mutator.Next();
    Run(input, "mutation " + std::to_string(i) + " (seed " + std::to_string(seed) + ")");
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("replay: %zu corpus files and %zu mutations (seed %llu) passed in %.2f s\n",
              files.size(), mutations, static_cast<unsigned long long>(seed), seconds);
  return 0;
}
