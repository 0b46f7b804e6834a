#include "ci/matrix/initramfs.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <stdexcept>
#include <system_error>

#include "ci/matrix/process.hpp"

namespace nsprobe::matrix {
namespace {

std::string Parent(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

void CheckAbsolute(const std::string& path) {
  if (path.size() < 2 || path.front() != '/' || path.back() == '/' ||
      path.find("//") != std::string::npos || path.find("/../") != std::string::npos)
    throw std::invalid_argument("image path '" + path + "': must be absolute and normalised");
}

// newc: "070701", then 13 eight-digit hex fields, the name with its NUL, padding to 4 bytes.
void WriteHeader(std::ostream& out, std::uint32_t ino, std::uint32_t mode, std::uint32_t size,
                 std::uint32_t rmajor, std::uint32_t rminor, const std::string& name) {
  out << fmt::format(
      "070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}"
      "{:08X}",
      ino, mode, 0, 0, 1, 0, size, 0, 0, rmajor, rminor, name.size() + 1, 0);
  out << name << '\0';
  std::size_t header = 110 + name.size() + 1;
  for (std::size_t pad = (4 - header % 4) % 4; pad > 0; --pad) out << '\0';
}

void Pad(std::ostream& out, std::uint64_t size) {
  for (std::size_t pad = (4 - size % 4) % 4; pad > 0; --pad) out << '\0';
}

}  // namespace

void Image::Add(const std::string& path, ImageEntry entry) {
  CheckAbsolute(path);
  for (std::string p = Parent(path); p != "/"; p = Parent(p)) {
    auto it = entries_.find(p);
    if (it == entries_.end())
      entries_.emplace(p, ImageEntry{ImageEntry::Type::kDir, 0755, {}, {}, {}, 0, 0});
    else if (it->second.type != ImageEntry::Type::kDir)
      throw std::invalid_argument(fmt::format("image path '{}': '{}' is not a directory", path, p));
  }
  entries_[path] = std::move(entry);
}

void Image::Dir(const std::string& path, std::uint32_t mode) {
  Add(path, {ImageEntry::Type::kDir, mode, {}, {}, {}, 0, 0});
}
void Image::File(const std::string& path, const std::string& source, std::uint32_t mode) {
  Add(path, {ImageEntry::Type::kFile, mode, source, {}, {}, 0, 0});
}
void Image::Data(const std::string& path, std::string data, std::uint32_t mode) {
  Add(path, {ImageEntry::Type::kFile, mode, {}, std::move(data), {}, 0, 0});
}
void Image::Symlink(const std::string& path, const std::string& target) {
  Add(path, {ImageEntry::Type::kSymlink, 0777, {}, {}, target, 0, 0});
}
void Image::CharDev(const std::string& path, std::uint32_t major, std::uint32_t minor,
                    std::uint32_t mode) {
  Add(path, {ImageEntry::Type::kCharDev, mode, {}, {}, {}, major, minor});
}

void Image::WriteCpio(std::ostream& out) const {
  // std::map orders "/a" before "/a/b": every parent is unpacked before its children.
  std::uint32_t ino = 1;
  for (const auto& [path, e] : entries_) {
    const std::string name = path.substr(1);
    switch (e.type) {
      case ImageEntry::Type::kDir:
        WriteHeader(out, ino++, S_IFDIR | e.mode, 0, 0, 0, name);
        break;
      case ImageEntry::Type::kCharDev:
        WriteHeader(out, ino++, S_IFCHR | e.mode, 0, e.rdev_major, e.rdev_minor, name);
        break;
      case ImageEntry::Type::kSymlink:
        WriteHeader(out, ino++, S_IFLNK | 0777, static_cast<std::uint32_t>(e.link.size()), 0, 0,
                    name);
        out << e.link;
        Pad(out, e.link.size());
        break;
      case ImageEntry::Type::kFile: {
        if (e.source.empty()) {
          WriteHeader(out, ino++, S_IFREG | e.mode, static_cast<std::uint32_t>(e.data.size()), 0, 0,
                      name);
          out << e.data;
          Pad(out, e.data.size());
          break;
        }
        std::ifstream in(e.source, std::ios::binary | std::ios::ate);
        if (!in) throw std::system_error(errno, std::generic_category(), "open(" + e.source + ")");
        const auto size = static_cast<std::uint64_t>(in.tellg());
        if (size > 0xffffffffu)
          throw std::runtime_error(e.source + ": too large for a newc archive member (4 GiB)");
        in.seekg(0);
        WriteHeader(out, ino++, S_IFREG | e.mode, static_cast<std::uint32_t>(size), 0, 0, name);
        out << in.rdbuf();
        Pad(out, size);
        break;
      }
    }
  }
  WriteHeader(out, 0, 0, 0, 0, 0, "TRAILER!!!");
  // GNU cpio reads whole 512-byte blocks (and asks for the next volume on a short one); the
  // kernel skips zeros after the trailer.
  const auto written = static_cast<std::uint64_t>(out.tellp());
  for (std::uint64_t pad = (512 - written % 512) % 512; pad > 0; --pad) out << '\0';
  if (!out) throw std::runtime_error("writing the initramfs failed (disk full?)");
}

std::vector<std::string> ParseLdd(std::string_view text) {
  std::vector<std::string> libs;
  for (std::string_view line : Lines(text)) {
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    line.remove_prefix(first);
    std::size_t arrow = line.find(" => ");
    std::string_view path = arrow == std::string_view::npos ? line : line.substr(arrow + 4);
    if (path.starts_with("not found"))
      throw std::runtime_error("ldd: " + std::string(line.substr(0, arrow)) +
                               " not found; install the package that ships it");
    path = path.substr(0, path.find(" ("));
    if (path.starts_with("/")) libs.emplace_back(path);  // no path: the vDSO
  }
  return libs;
}

std::string ModuleName(std::string_view path) {
  std::size_t slash = path.rfind('/');
  std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
  name = name.substr(0, name.find(".ko"));
  for (char& ch : name)
    if (ch == '-') ch = '_';
  return name;
}

std::map<std::string, ModuleDep> ParseModulesDep(std::string_view text) {
  std::map<std::string, ModuleDep> deps;
  for (std::string_view line : Lines(text)) {
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    ModuleDep dep{std::string(line.substr(0, colon)), {}};
    std::string_view rest = line.substr(colon + 1);
    while (!rest.empty()) {
      std::size_t b = rest.find_first_not_of(' ');
      if (b == std::string_view::npos) break;
      rest.remove_prefix(b);
      std::size_t e = rest.find(' ');
      dep.deps.emplace_back(rest.substr(0, e));
      rest = e == std::string_view::npos ? std::string_view() : rest.substr(e);
    }
    deps[ModuleName(dep.path)] = std::move(dep);
  }
  return deps;
}

std::vector<std::string> ModuleClosure(const std::map<std::string, ModuleDep>& deps,
                                       const std::vector<std::string>& wanted) {
  std::vector<std::string> order;
  std::set<std::string> done;
  // modules.dep lists a module's full (transitive) dependencies, deepest last.
  for (const std::string& want : wanted) {
    auto it = deps.find(ModuleName(want));
    if (it == deps.end()) continue;
    for (auto d = it->second.deps.rbegin(); d != it->second.deps.rend(); ++d)
      if (done.insert(*d).second) order.push_back(*d);
    if (done.insert(it->second.path).second) order.push_back(it->second.path);
  }
  return order;
}

std::string KernelCmdline() {
  // mitigations=off: speculative-execution barriers cost most under TCG and change nothing
  // a namespace promises.
  return "console=ttyS0 panic=-1 loglevel=4 mitigations=off";
}

std::string LavaReport(std::uint32_t uid) {
  // The unprivileged run's cases carry the matrix's "<suite>-uid<N>" (kernel_record.hpp): in a
  // LAVA id the suite is everything before the first '.', and '-' stands for itself in it.
  return fmt::format(R"(sed -n 's/^nsprobe-result: /&/p' $O/root.log
sed -n 's/^nsprobe-result: \([^.]*\)\./nsprobe-result: \1-uid{uid}./p' $O/unpriv.log
for f in fingerprint probe-root; do
  gzip -c $O/$f.json | base64 | sed "s/^/nsprobe-blob: ${{f%-root}}: /"
done
echo 'nsprobe-lava: end')",
                     fmt::arg("uid", uid));
}

std::string InitScript(const GuestPlan& plan) {
  std::string modules, benches;
  for (const std::string& m : plan.modules) modules += " " + m;
  for (const std::string& b : plan.benches) benches += " " + b;
  const std::string uid = std::to_string(plan.unprivileged_uid);
  const std::string say =
      plan.lava ? R"(# One console, which LAVA reads.
say() { echo "@@NSPROBE $*"; })"
                : R"(# The results UART: raw, so nothing rewrites the lines the host parses.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
say() { echo "@@NSPROBE $*" > /dev/ttyS1; echo "@@NSPROBE $*"; })";
  const std::string send = plan.lava ? LavaReport(plan.unprivileged_uid) : R"(for f in $O/*.*; do
  say FILE $(basename $f)
  gzip -c $f | base64 > /dev/ttyS1
  say END $(basename $f)
done)";
  return fmt::format(R"(#!/bin/busybox sh
# Generated by nsprobe matrix: runs the suites on this kernel and sends the results home.
# --install finds busybox through /proc/self/exe.
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root CI=1
# A throwaway machine: the sysctl sweep writes its deny-list here too (never on a host).
export NSPROBE_SWEEP_DENY_LIST_TOO=1
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /sys/fs/cgroup /dev/pts /dev/shm /dev/mqueue /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
chmod 1777 /tmp
# The initramfs root is a tmpfs; /var/tmp stands for a disk (ramfs is not tmpfs).
mount -t ramfs -o mode=1777 ramfs /var/tmp
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t devpts devpts /dev/pts
hostname nsprobe-guest
ip link set lo up
{say}
up() {{ cut -d' ' -f1 /proc/uptime; }}
say PHASE init $(up)
loaded=
for m in{modules}; do modprobe $m 2>/dev/null && loaded="$loaded $m"; done
say MODULES$loaded
O=/tmp/nsprobe-out
mkdir -p $O/root $O/unpriv
chown {uid}:{uid} $O/unpriv
cd /tmp
N={nsprobe}
# Debian's busybox has no chpst: setpriv (util-linux, copied from the host) drops every id.
AS_USER="{setpriv} --reuid {uid} --regid {uid} --clear-groups"
uname -a > $O/uname.txt
cat /proc/cmdline > $O/cmdline.txt
$N fingerprint > $O/fingerprint.json 2>&1
$N probe --json > $O/probe-root.json 2>&1
$AS_USER $N probe --json > $O/probe-unpriv.json 2>&1
# Root and uid {uid} side by side: the two overlap instead of adding up. Every case keeps to
# namespaces it made, so neither run sees the other's; each run's own hygiene check still
# covers the machine. Root's run has a third more to do (the privileged cases), so it runs
# two binaries at a time and takes CPU time the other run leaves. The end times say how long
# each took.
say PHASE suites $(up)
{lava_start}($N run --jobs 2 --suites {suites} --out $O/root/run --timeout {timeout}{lava} > $O/root.log 2>&1
 echo $? > $O/root.rc; up > $O/root.end) &
($AS_USER $N run --suites {suites} --out $O/unpriv/run --timeout {timeout}{lava} \
  > $O/unpriv.log 2>&1
 echo $? > $O/unpriv.rc; up > $O/unpriv.end) &
wait
for b in{benches}; do
  say PHASE bench-$(basename $b) $(up)
  $b --benchmark_out=$O/bench-$(basename $b).json --benchmark_out_format=json \
    --benchmark_repetitions=3 --benchmark_min_time=0.05 > $O/bench-$(basename $b).log 2>&1
done
say PHASE collect $(up)
dmesg > $O/dmesg.txt
cp $O/root/run/record.json $O/record-root.json 2>/dev/null
cp $O/unpriv/run/record.json $O/record-unpriv.json 2>/dev/null
{send}
say DONE $(up)
sync
poweroff -f
)",
                     fmt::arg("modules", modules), fmt::arg("uid", uid),
                     fmt::arg("nsprobe", plan.nsprobe), fmt::arg("suites", plan.suites_dir),
                     fmt::arg("timeout", plan.suite_timeout_s), fmt::arg("benches", benches),
                     fmt::arg("setpriv", plan.setpriv), fmt::arg("say", say),
                     fmt::arg("lava_start", plan.lava ? "echo 'nsprobe-lava: start'\n" : ""),
                     fmt::arg("lava", plan.lava ? " --lava" : ""), fmt::arg("send", send));
}

}  // namespace nsprobe::matrix
