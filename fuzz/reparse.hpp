// The round trip of the line-oriented /proc parsers: entries printed back as lines of their
// file parse to the same entries, in the same order.
#pragma once

#include <string>
#include <vector>

#include "fuzz/fuzz_check.hpp"

namespace nsprobe::fuzz {

// `line` prints one entry with its '\n'; `fields` ties the members that must survive.
template <typename Entry, typename Line, typename Parse, typename Fields>
void CheckLinesReparse(const std::vector<Entry>& entries, Line line, Parse parse, Fields fields) {
  std::string written;
  for (const Entry& e : entries) written += line(e);
  std::vector<Entry> again = parse(written);
  FUZZ_CHECK(again.size() == entries.size(), written);
  for (std::size_t i = 0; i < entries.size(); ++i)
    FUZZ_CHECK(fields(again[i]) == fields(entries[i]), line(entries[i]) + line(again[i]));
}

}  // namespace nsprobe::fuzz
