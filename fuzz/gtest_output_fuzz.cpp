// The readers of what a GoogleTest binary prints, on any text: --gtest_list_tests output,
// the console lines and the --gtest_output=json file. None crashes; the JSON reader gives
// cases or std::runtime_error (its documented refusal), never another exception; what the
// console readers return comes from the text itself.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "ci/run/gtest_output.hpp"
#include "fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe;
  const std::string_view text = fuzz::Text(data, size);
  const std::string shown(text.substr(0, 2000));

  for (const std::string& name : run::ParseListTests(text)) {
    FUZZ_CHECK(!name.empty() && name.find('\n') == std::string::npos, shown);
    // "Suite." + the case, both from the text (a suite may hold dots of its own, and so
    // may a case in text that is not gtest's).
    bool split = false;
    for (std::size_t dot = name.find('.'); dot != std::string::npos && !split;
         dot = name.find('.', dot + 1))
      split = text.find(name.substr(0, dot + 1)) != text.npos &&
              text.find(name.substr(dot + 1)) != text.npos;
    FUZZ_CHECK(split, name + "\nfrom\n" + shown);
  }
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  const int finished = run::CountFinished(text);
  FUZZ_CHECK(finished >= 0 && static_cast<std::size_t>(finished) <= lines, shown);
  const std::string running = run::RunningCase(text);
  FUZZ_CHECK(running.empty() || text.find("[ RUN      ] " + running) != text.npos, shown);
  for (const auto& [name, message] : run::ParseSkipMessages(text)) {
    FUZZ_CHECK(text.find("[  SKIPPED ] " + name) != text.npos, name + "\nfrom\n" + shown);
    FUZZ_CHECK(message.empty() || message.back() != '\n', message);
  }

  const nlohmann::ordered_json json = nlohmann::ordered_json::parse(text, nullptr, false);
  if (json.is_discarded()) return 0;
  std::optional<std::vector<run::GtestCase>> cases =
      fuzz::Accepted<std::runtime_error>([&] { return run::ParseGtestJson(json); });
  if (!cases) return 0;
  for (const run::GtestCase& c : *cases) {
    FUZZ_CHECK(c.verdict != run::Verdict::kFail || !c.failures.empty(), c.name);
    FUZZ_CHECK(c.name.find('.') != std::string::npos, c.name);
  }
  return 0;
}
