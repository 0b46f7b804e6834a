// What the guest sends on its second UART: marker lines "@@NSPROBE <WORD> ..." between
// which each result file travels gzip-compressed and base64-encoded, so kernel noise and
// the tty layer's line endings cannot corrupt it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nsprobe::matrix {

struct SerialReport {
  std::map<std::string, std::string> files;            // name -> decoded contents
  std::vector<std::pair<std::string, double>> phases;  // "suites-root" -> guest uptime (s)
  std::vector<std::string> modules;                    // modules /init loaded
  bool done = false;                                   // the guest reached the end of /init
  double done_uptime = 0;
  std::vector<std::string> problems;  // files that did not decode, cut-off transfers
};

// Tolerates \r, noise between frames, and a transfer cut off by a timeout (reported in
// `problems`, the file left out).
SerialReport ParseSerial(std::string_view text);

// The last "@@NSPROBE PHASE <name>" seen, for progress while the guest runs; empty if none.
std::string LastPhase(std::string_view text);

// RFC 4648 base64; whitespace is skipped. Throws std::runtime_error on any other character.
std::string Base64Decode(std::string_view text);
// gzip (RFC 1952) through zlib. Throws std::runtime_error on corrupt or truncated data.
std::string Gunzip(std::string_view data);

}  // namespace nsprobe::matrix
