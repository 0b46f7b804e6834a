#include "ci/record/record.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ci/record/bounded_read.hpp"
#include "ci/record/input_error.hpp"

namespace nsprobe::record {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kVerdictNames[] = {"pass", "fail", "skip", "error", "by_design"};

// What a field should hold, in words: "a whole number", not nlohmann's "number" for both.
std::string_view Wanted(Json::value_t type) {
  switch (type) {
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "a whole number";
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "true or false";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "a value";
  }
}

// What a field holds, in words, with a short value: "1.5, a fraction", "a string (\"x\")".
std::string Seen(const Json& value) {
  if (value.is_number_float()) return fmt::format("{}, a fraction", value.dump());
  if (value.is_number()) return value.dump();
  if (value.is_null()) return "null";
  if (value.is_boolean()) return value.dump();
  if (value.is_string()) {
    std::string shown = value.dump();
    if (shown.size() > 40) shown = shown.substr(0, 37) + "...";
    return fmt::format("a string ({})", shown);
  }
  return value.is_array() ? "an array" : "an object";
}

// Field access that names the field and the file on every mismatch, so a hand-edited or
// damaged record is reported in one line instead of a nlohmann type_error.
class Fields {
 public:
  Fields(const Json& json, std::string source, std::string where)
      : json_(json), source_(std::move(source)), where_(std::move(where)) {
    if (!json_.is_object()) Fail("", "is not an object");
  }

  [[noreturn]] void Fail(std::string_view key, std::string_view problem) const {
    std::string at = where_;
    if (!key.empty()) at += at.empty() ? std::string(key) : fmt::format(".{}", key);
    throw record::InputError(
        fmt::format("{}: {} {}", source_, at.empty() ? "document" : at, problem));
  }
  const Json& Get(std::string_view key, Json::value_t type) const {
    auto it = json_.find(key);
    if (it == json_.end()) Fail(key, "is missing (truncated or not a record)");
    bool ok = it->type() == type || (type == Json::value_t::number_float && it->is_number()) ||
              (type == Json::value_t::number_integer && it->is_number_integer());
    if (!ok) Fail(key, fmt::format("should be {}, is {}", Wanted(type), Seen(*it)));
    return *it;
  }
  std::string String(std::string_view key) const {
    return Get(key, Json::value_t::string).get<std::string>();
  }
  double Number(std::string_view key) const {
    return Get(key, Json::value_t::number_float).get<double>();
  }
  long Integer(std::string_view key) const {
    return Get(key, Json::value_t::number_integer).get<long>();
  }
  bool Bool(std::string_view key) const { return Get(key, Json::value_t::boolean).get<bool>(); }
  // A field later versions added: absent in older records, which mean `fallback` by it.
  bool Bool(std::string_view key, bool fallback) const {
    return json_.contains(key) ? Bool(key) : fallback;
  }
  bool Has(std::string_view key) const { return json_.contains(key); }
  long Integer(std::string_view key, long fallback) const {
    return Has(key) ? Integer(key) : fallback;
  }
  std::string String(std::string_view key, const std::string& fallback) const {
    return json_.contains(key) ? String(key) : fallback;
  }
  const Json& Array(std::string_view key) const { return Get(key, Json::value_t::array); }
  const Json& Object(std::string_view key) const { return Get(key, Json::value_t::object); }
  std::vector<double> Numbers(std::string_view key) const {
    std::vector<double> out;
    for (const Json& v : Array(key)) {
      if (!v.is_number()) Fail(key, "should hold only numbers");
      out.push_back(v.get<double>());
    }
    return out;
  }
  const std::string& source() const { return source_; }
  std::string Where(std::string_view key, std::size_t index) const {
    return fmt::format("{}{}{}[{}]", where_, where_.empty() ? "" : ".", key, index);
  }

 private:
  const Json& json_;
  std::string source_;
  std::string where_;
};

Verdict ParseVerdict(const Fields& f, const std::string& name) {
  for (std::size_t i = 0; i < std::size(kVerdictNames); ++i)
    if (kVerdictNames[i] == name) return static_cast<Verdict>(i);
  f.Fail("verdict", fmt::format("is '{}', not one of pass, fail, skip, error, by_design", name));
}

Json CaseToJson(const Case& c) {
  Json j = {{"suite", c.suite},
            {"kind", c.label},
            {"name", c.name},
            {"mode", c.mode},
            {"verdict", VerdictName(c.verdict)}};
  if (c.verdict == Verdict::kSkip) j["skip_category"] = c.skip_category;
  j["reason"] = c.reason;
  j["failures"] = c.failures;
  j["duration_s"] = c.duration_s;
  // Only when declared: records of kinds' own suites, and older ones, stay as they were.
  if (!c.declared_kinds.empty()) j["declared_kinds"] = c.declared_kinds;
  if (c.checks != 1) j["checks"] = c.checks;
  return j;
}

Case CaseFromJson(const Fields& f) {
  Case c;
  c.suite = f.String("suite");
  c.label = f.String("kind");
  c.name = f.String("name");
  c.mode = f.String("mode");
  c.verdict = ParseVerdict(f, f.String("verdict"));
  if (c.verdict == Verdict::kSkip) c.skip_category = f.String("skip_category");
  c.reason = f.String("reason");
  for (const Json& m : f.Array("failures")) {
    if (!m.is_string()) f.Fail("failures", "should hold only strings");
    c.failures.push_back(m.get<std::string>());
  }
  c.duration_s = f.Number("duration_s");
  c.declared_kinds = f.String("declared_kinds", "");
  c.checks = static_cast<int>(f.Integer("checks", 1));
  if (c.checks < 1) f.Fail("checks", "should be at least 1");
  return c;
}

Json BinaryToJson(const Binary& b) {
  Json j = {{"name", b.name},
            {"kind", b.label},
            {"status", b.status},
            {"ok", b.ok},
            {"cases", b.cases},
            {"duration_s", b.duration_s},
            {"output_tail", b.output_tail},
            {"conformance", b.conformance}};
  if (!b.health.empty()) j["health"] = b.health;
  return j;
}

Binary BinaryFromJson(const Fields& f) {
  Binary b{f.String("name"),        f.String("kind"),
           f.String("status"),      f.Bool("ok"),
           f.Number("duration_s"),  static_cast<int>(f.Integer("cases")),
           f.String("output_tail"), f.Bool("conformance", true)};
  if (f.Has("health")) b.health = f.Object("health");
  return b;
}

Json BenchmarkToJson(const Benchmark& b) {
  return {{"name", b.name},
          {"unit", "ns"},
          {"aggregates_only", b.aggregates_only},
          {"real_time", b.real_ns},
          {"cpu_time", b.cpu_ns}};
}

Benchmark BenchmarkFromJson(const Fields& f) {
  Benchmark b;
  b.name = f.String("name");
  if (f.String("unit") != "ns") f.Fail("unit", "should be \"ns\"");
  b.aggregates_only = f.Bool("aggregates_only");
  b.real_ns = f.Numbers("real_time");
  b.cpu_ns = f.Numbers("cpu_time");
  if (b.real_ns.empty()) f.Fail("real_time", "is empty");
  return b;
}

Json TotalsToJson(const Totals& t) {
  return {{"pass", t.pass},   {"fail", t.fail},           {"skip", t.skip},
          {"error", t.error}, {"by_design", t.by_design}, {"checks", t.checks}};
}

}  // namespace

std::string_view VerdictName(Verdict verdict) { return kVerdictNames[static_cast<int>(verdict)]; }

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double Benchmark::Median() const { return record::Median(real_ns); }
double Benchmark::Min() const {
  return real_ns.empty() ? 0 : *std::min_element(real_ns.begin(), real_ns.end());
}
double Benchmark::Max() const {
  return real_ns.empty() ? 0 : *std::max_element(real_ns.begin(), real_ns.end());
}

void Totals::Add(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      ++pass;
      break;
    case Verdict::kFail:
      ++fail;
      break;
    case Verdict::kSkip:
      ++skip;
      break;
    case Verdict::kError:
      ++error;
      break;
    case Verdict::kByDesign:
      ++by_design;
      break;
  }
}

void Totals::Add(const Case& c) {
  Add(c.verdict);
  if (c.verdict == Verdict::kPass) checks += c.checks;
}

Totals Record::CountTotals() const {
  Totals t;
  for (const Case& c : cases) t.Add(c);
  return t;
}

std::string Record::Fact(const std::string& key) const {
  for (const auto& [k, v] : fingerprint)
    if (k == key) return v;
  return "unknown";
}

Json ToJson(const Record& r) {
  Json fingerprint = Json::object();
  for (const auto& [k, v] : r.fingerprint) fingerprint[k] = v;
  Json binaries = Json::array(), cases = Json::array(), benchmarks = Json::array();
  for (const Binary& b : r.binaries) binaries.push_back(BinaryToJson(b));
  for (const Case& c : r.cases) cases.push_back(CaseToJson(c));
  for (const Benchmark& b : r.benchmarks) benchmarks.push_back(BenchmarkToJson(b));
  Json out = {{"format", kRecordFormat},
              {"version", kRecordVersion},
              {"created", r.created},
              {"nsprobe_version", r.nsprobe_version},
              {"fingerprint", fingerprint},
              {"probe", r.probe},
              {"options", r.options},
              {"totals", TotalsToJson(r.CountTotals())},
              {"binaries", binaries},
              {"cases", cases},
              {"bench_context", r.bench_context},
              {"benchmarks", benchmarks},
              {"host", r.host},
              {"flaky", r.flaky},
              {"sensitivity", r.sensitivity}};
  if (!r.runtimes.empty()) out["runtimes"] = r.runtimes;
  if (!r.exposure.empty()) out["exposure"] = r.exposure;
  return out;
}

bool LooksLikeRecord(const Json& json) {
  return json.is_object() && json.contains("format") && json["format"] == kRecordFormat;
}

Record FromJson(const Json& json, const std::string& source) {
  if (!LooksLikeRecord(json))
    throw record::InputError(
        fmt::format("{}: not an nsprobe record (no \"format\": \"{}\")", source, kRecordFormat));
  Fields f(json, source, "");
  long version = f.Integer("version");
  if (version != kRecordVersion)
    throw record::InputError(fmt::format(
        "{}: record version {} is not supported; this nsprobe reads version {}{}", source, version,
        kRecordVersion, version > kRecordVersion ? " (update nsprobe)" : ""));
  Record r;
  r.created = f.String("created");
  r.nsprobe_version = f.String("nsprobe_version");
  for (const auto& [k, v] : f.Object("fingerprint").items()) {
    if (!v.is_string()) f.Fail("fingerprint." + k, "should be a string");
    r.fingerprint.emplace_back(k, v.get<std::string>());
  }
  r.probe = f.Object("probe");
  r.options = f.Object("options");
  const Json& binaries = f.Array("binaries");
  for (std::size_t i = 0; i < binaries.size(); ++i)
    r.binaries.push_back(BinaryFromJson(Fields(binaries[i], source, f.Where("binaries", i))));
  const Json& cases = f.Array("cases");
  for (std::size_t i = 0; i < cases.size(); ++i)
    r.cases.push_back(CaseFromJson(Fields(cases[i], source, f.Where("cases", i))));
  r.bench_context = f.Object("bench_context");
  // Optional: records written before hygiene and negative controls existed lack them.
  if (json.contains("host") && json["host"].is_object()) r.host = json["host"];
  if (json.contains("sensitivity") && json["sensitivity"].is_object())
    r.sensitivity = json["sensitivity"];
  if (json.contains("runtimes") && json["runtimes"].is_array()) r.runtimes = json["runtimes"];
  if (json.contains("exposure")) r.exposure = f.Object("exposure");
  if (json.contains("flaky") && json["flaky"].is_array())
    for (const Json& line : json["flaky"])
      if (line.is_string()) r.flaky.push_back(line.get<std::string>());
  const Json& benchmarks = f.Array("benchmarks");
  for (std::size_t i = 0; i < benchmarks.size(); ++i)
    r.benchmarks.push_back(
        BenchmarkFromJson(Fields(benchmarks[i], source, f.Where("benchmarks", i))));
  // The totals are redundant on purpose: a record cut short inside "cases" but still valid
  // JSON (or edited by hand) shows up here.
  Fields totals(f.Object("totals"), source, "totals");
  Totals stated{static_cast<int>(totals.Integer("pass")), static_cast<int>(totals.Integer("fail")),
                static_cast<int>(totals.Integer("skip")), static_cast<int>(totals.Integer("error")),
                static_cast<int>(totals.Integer("by_design", 0))};
  Totals counted = r.CountTotals();
  // Records written before checks were counted: each passing case was one.
  stated.checks = static_cast<int>(totals.Integer("checks", counted.checks));
  Totals verdicts = stated;
  verdicts.checks = counted.checks;
  if (!(verdicts == counted))
    throw record::InputError(fmt::format(
        "{}: totals say {} cases but the record holds {}: the file was cut short or edited", source,
        stated.All(), counted.All()));
  if (stated.checks != counted.checks)
    throw record::InputError(
        fmt::format("{}: totals say {} checks but the record's cases hold {}: the file was edited",
                    source, stated.checks, counted.checks));
  return r;
}

Json ReadJsonFile(const std::string& path) {
  const std::string body = ReadBounded(path);
  if (body.find_first_not_of(" \t\r\n") == std::string::npos)
    throw record::InputError(fmt::format("{}: empty file, not JSON", path));
  try {
    return Json::parse(body);
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 1: ..." -> the part
    // after the tag.
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    bool truncated = e.byte >= body.size();
    throw record::InputError(
        fmt::format("{}: {} JSON: {}", path, truncated ? "truncated" : "corrupt", what));
  }
}

Record LoadRecord(const std::string& path) { return FromJson(ReadJsonFile(path), path); }

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto b = static_cast<unsigned char>(text[i]);
    std::size_t len = b < 0x80         ? 1
                      : (b >> 5) == 6  ? 2
                      : (b >> 4) == 14 ? 3
                      : (b >> 3) == 30 ? 4
                                       : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 2;
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace nsprobe::record
