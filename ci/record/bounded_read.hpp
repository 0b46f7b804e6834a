// Reading an input file whole, with a bound: only a regular file, and at most a size cap, so
// that /dev/zero, a FIFO or a directory given where a file belongs is refused in one line
// instead of exhausting memory or blocking.
#pragma once

#include <cstddef>
#include <string>

namespace nsprobe::record {

// The largest input nsprobe reads: far above any record or benchmark file (a full run's
// record is a few MiB).
inline constexpr std::size_t kMaxInputBytes = std::size_t{256} << 20;

// The whole of the regular file at `path`. Throws record::InputError naming the file and
// the problem: it cannot be opened, it is a directory or not a regular file, or it holds
// more than `limit` bytes (the cap is named in the message).
std::string ReadBounded(const std::string& path, std::size_t limit = kMaxInputBytes);

// "256 MiB", "4 KiB", "17 bytes": a size as the messages name it.
std::string DescribeSize(std::size_t bytes);

}  // namespace nsprobe::record
