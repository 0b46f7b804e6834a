#include "ci/matrix/serial.hpp"

#include <zlib.h>

#include <cstdlib>
#include <stdexcept>

#include "ci/matrix/process.hpp"

namespace nsprobe::matrix {
namespace {

constexpr std::string_view kMarker = "@@NSPROBE ";
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The words after the marker, when the line carries one (noise may precede it).
bool MarkerWords(std::string_view line, std::string_view& word, std::string_view& rest) {
  std::size_t at = line.find(kMarker);
  if (at == std::string_view::npos) return false;
  line.remove_prefix(at + kMarker.size());
  std::size_t space = line.find(' ');
  word = line.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  return true;
}

double Number(std::string_view text) { return std::strtod(std::string(text).c_str(), nullptr); }

}  // namespace

std::string Base64Decode(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char ch : text) {
    if (ch == '=') break;
    if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') continue;
    std::size_t v = kAlphabet.find(ch);
    if (v == std::string_view::npos)
      throw std::runtime_error(std::string("base64: unexpected character '") + ch + "'");
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

std::string Gunzip(std::string_view data) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("gunzip: zlib init");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END)
    throw std::runtime_error(rc == Z_BUF_ERROR ? "gunzip: truncated data"
                                               : std::string("gunzip: corrupt data (") +
                                                     (z.msg ? z.msg : "?") + ")");
  return out;
}

SerialReport ParseSerial(std::string_view text) {
  SerialReport report;
  std::string current;  // the file being received, empty between frames
  std::string body;
  for (std::string_view line : Lines(text)) {
    std::string_view word, rest;
    if (!MarkerWords(line, word, rest)) {
      if (!current.empty()) body.append(line);
      continue;
    }
    if (word == "FILE") {
      if (!current.empty()) report.problems.push_back(current + ": no END before the next FILE");
      current = std::string(rest);
      body.clear();
    } else if (word == "END") {
      if (current.empty() || rest != current) {
        report.problems.push_back(std::string(rest) + ": END without its FILE");
      } else {
        try {
          report.files[current] = Gunzip(Base64Decode(body));
        } catch (const std::exception& e) {
          report.problems.push_back(current + ": " + e.what());
        }
      }
      current.clear();
    } else if (word == "PHASE") {
      std::size_t space = rest.find(' ');
      report.phases.emplace_back(
          std::string(rest.substr(0, space)),
          space == std::string_view::npos ? 0 : Number(rest.substr(space + 1)));
    } else if (word == "MODULES") {
      std::size_t start = 0;
      while (start < rest.size()) {
        std::size_t end = rest.find(' ', start);
        if (end == std::string_view::npos) end = rest.size();
        if (end > start) report.modules.emplace_back(rest.substr(start, end - start));
        start = end + 1;
      }
    } else if (word == "DONE") {
      report.done = true;
      report.done_uptime = Number(rest);
    }
  }
  if (!current.empty()) report.problems.push_back(current + ": cut off (no END)");
  return report;
}

std::string LastPhase(std::string_view text) {
  std::string phase;
  for (std::string_view line : Lines(text)) {
    std::string_view word, rest;
    if (MarkerWords(line, word, rest) && word == "PHASE")
      phase = std::string(rest.substr(0, rest.find(' ')));
  }
  return phase;
}

}  // namespace nsprobe::matrix
