// ConfigValue (the fingerprint's reader of kernel .config and os-release lines) on any text
// and key: a value found is one line, without the quotes that enclosed it, and a line
// "KEY=VALUE" written from it reads back the same value.
#include "fuzz/fuzz_check.hpp"
#include "runtime/proc_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe;
  const std::string_view input = fuzz::Text(data, size);
  // The key is the first line, the text what follows it.
  const std::size_t nl = input.find('\n');
  const std::string_view key = input.substr(0, nl);
  const std::string_view text = nl == input.npos ? std::string_view() : input.substr(nl + 1);
  const std::optional<std::string> value = proc::ConfigValue(text, key);
  if (!value) return 0;
  const std::string shown =
      std::string("key '").append(key).append("' value '").append(*value).append("'");
  FUZZ_CHECK(value->find('\n') == std::string::npos, shown);
  FUZZ_CHECK(text.find(*value) != std::string_view::npos, shown);
  // What is found is the value of a line that starts with the key: written back as
  // KEY="VALUE", it is found again, the same. (A key with a separator inside could match
  // another way, and an empty key matches any line.)
  if (key.empty() || key.find_first_of("= \t\r\n\"") != key.npos) return 0;
  const std::string line = std::string(key).append("=\"").append(*value).append("\"\n");
  FUZZ_CHECK(proc::ConfigValue(line, key) == value, shown + " from " + line);
  return 0;
}
