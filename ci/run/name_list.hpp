#pragma once
// The comma lists of names that `nsprobe run` takes (--kinds pid,net; --runtime bwrap,crun):
// one reading of them, so that every such option trims, and refuses an empty name, alike.

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nsprobe::run {

// The names of `list`, each trimmed of spaces. An empty name ("", "a,,b", ",") is refused
// with std::invalid_argument naming `option` and an `example` of a good list.
inline std::vector<std::string> SplitNameList(const std::string& list, std::string_view option,
                                              std::string_view example) {
  std::vector<std::string> names;
  for (std::size_t start = 0; start <= list.size();) {
    const std::size_t end = list.find(',', start);
    std::string name = list.substr(start, end - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (name.empty())
      throw std::invalid_argument(fmt::format(
          "{} '{}': an empty name in the list; give names separated by commas, e.g. {} {}, or all",
          option, list, option, example));
    names.push_back(std::move(name));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return names;
}

}  // namespace nsprobe::run
