#include "custody/sketch/leak_simulator.h"

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <unordered_map>

#include "custody/text/normalize.h"
#include "custody/text/tokenize.h"
#include "custody/text/utf8.h"

namespace custody::sketch {
namespace {

// splitmix64: small, portable, deterministic.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  double Unit() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  uint64_t s_;
};

const char* kEditWords[] = {"quickly", "about", "nearly", "also", "really", "then", "some",
                            "perhaps", "today", "exactly", "kindly", "still"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

std::string CollapseSpace(std::string_view s) {
  std::string out;
  bool sp = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      sp = !out.empty();
    } else {
      if (sp) out.push_back(' ');
      sp = false;
      out.push_back(c);
    }
  }
  return out;
}

std::string Nfkc(std::string_view s) {
  utf8proc_uint8_t* out = nullptr;
  auto len = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                          static_cast<utf8proc_ssize_t>(s.size()), &out,
                          static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                         UTF8PROC_COMPAT));
  std::string r = len < 0 ? std::string(s) : std::string(reinterpret_cast<char*>(out), len);
  std::free(out);
  return r;
}

std::string Uncurl(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    int32_t cp = text::DecodeUtf8(s, &i);
    if (cp == 0x2018 || cp == 0x2019) out.push_back('\'');
    else if (cp == 0x201C || cp == 0x201D) out.push_back('"');
    else out.append(s.substr(start, i - start));
  }
  return out;
}

// Curly quotes, fullwidth digits, zero-width spaces and Cyrillic look-alikes.
std::string UnicodeNoise(std::string_view s, Rng& rng) {
  std::string out;
  bool open_dq = true;
  for (char c : s) {
    uint64_t r = rng.Below(100);
    if (c == '"') {
      text::AppendUtf8(open_dq ? 0x201C : 0x201D, &out);
      open_dq = !open_dq;
    } else if (c == '\'') {
      text::AppendUtf8(0x2019, &out);
    } else if (c >= '0' && c <= '9' && r < 20) {
      text::AppendUtf8(0xFF10 + (c - '0'), &out);
    } else if (c == 'a' && r < 15) {
      text::AppendUtf8(0x0430, &out);
    } else if (c == 'o' && r < 15) {
      text::AppendUtf8(0x043E, &out);
    } else if (c == 'e' && r < 15) {
      text::AppendUtf8(0x0435, &out);
    } else if (c == ' ' && r < 5) {
      text::AppendUtf8(0x00A0, &out);
    } else {
      out.push_back(c);
      // Zero-width spaces only after ASCII bytes, never inside a sequence.
      if (r < 2 && static_cast<unsigned char>(c) < 0x80) text::AppendUtf8(0x200B, &out);
    }
  }
  return out;
}

std::string WordEdit(const std::string& s, uint32_t edits, Rng& rng) {
  // Work on space-separated tokens.
  std::vector<std::string> toks;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) toks.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  for (uint32_t e = 0; e < edits && !toks.empty(); ++e) {
    size_t pos = rng.Below(toks.size());
    switch (rng.Below(3)) {
      case 0: toks[pos] = kEditWords[rng.Below(std::size(kEditWords))]; break;
      case 1: toks.erase(toks.begin() + static_cast<long>(pos)); break;
      default:
        toks.insert(toks.begin() + static_cast<long>(pos), kEditWords[rng.Below(std::size(kEditWords))]);
    }
  }
  std::string out;
  for (size_t k = 0; k < toks.size(); ++k) {
    if (k) out.push_back(' ');
    out += toks[k];
  }
  return out;
}

std::string Joined(const SimRecord& r) {
  std::string s;
  for (const auto& [n, v] : r.fields) {
    if (!s.empty()) s.push_back(' ');
    s += v;
  }
  return s;
}

std::string CsvCell(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

LeakResult SimulateLeak(const std::vector<SimRecord>& records,
                        const std::vector<SimRecord>& unrelated, const LeakOptions& o) {
  Rng rng(o.seed);
  struct Item {
    int64_t source;
    SimRecord rec;
    std::string edits;
    double kept = 0;
  };
  std::vector<Item> items;
  for (size_t i = 0; i < records.size(); ++i) {
    if (o.subset < 1.0 && rng.Unit() >= o.subset) continue;
    Item it{static_cast<int64_t>(i), records[i], "", 1.0};
    auto add = [&](const char* e) {
      if (!it.edits.empty()) it.edits.push_back(',');
      it.edits += e;
    };
    SimRecord& r = it.rec;
    if (o.drop_field && r.fields.size() >= 2) {
      r.fields.erase(r.fields.begin() + static_cast<long>(rng.Below(r.fields.size())));
      add("drop_field");
    }
    if (o.merge_fields && r.fields.size() >= 2) {
      r.fields = {{"text", Joined(r)}};
      add("merge_fields");
    }
    if (o.truncate_min_keep < 1.0) {
      // Cut the record's text (across fields, in order) at a random share.
      double keep = o.truncate_min_keep + (1.0 - o.truncate_min_keep) * rng.Unit();
      size_t total = 0;
      for (auto& f : r.fields) total += f.second.size();
      size_t budget = static_cast<size_t>(static_cast<double>(total) * keep);
      for (auto& f : r.fields) {
        size_t take = std::min(budget, f.second.size());
        // Do not cut inside a UTF-8 sequence.
        while (take > 0 && take < f.second.size() && (f.second[take] & 0xC0) == 0x80) --take;
        f.second.resize(take);
        budget -= take;
      }
      r.fields.erase(std::remove_if(r.fields.begin(), r.fields.end(),
                                    [](const auto& f) { return f.second.empty(); }),
                     r.fields.end());
      add("truncate");
    }
    {
      // Share of the source's text kept by dropping and truncation (before
      // word edits, which the Jaccard measures).
      size_t before = 0, after = 0;
      for (const auto& f : records[i].fields) before += f.second.size();
      for (const auto& f : r.fields) after += f.second.size();
      it.kept = before == 0 ? 0 : static_cast<double>(after) / static_cast<double>(before);
    }
    for (auto& f : r.fields) {
      if (o.word_edits > 0) f.second = WordEdit(f.second, o.word_edits, rng);
      if (o.unicode_noise) f.second = UnicodeNoise(f.second, rng);
      if (o.nfkc) f.second = Nfkc(f.second);
      if (o.lowercase) f.second = Lower(f.second);
      if (o.uncurl_quotes) f.second = Uncurl(f.second);
      if (o.collapse_whitespace) f.second = CollapseSpace(f.second);
    }
    if (o.word_edits > 0) add("word_edits");
    if (o.unicode_noise) add("unicode_noise");
    if (o.nfkc) add("nfkc");
    if (o.lowercase) add("lowercase");
    if (o.uncurl_quotes) add("uncurl_quotes");
    if (o.collapse_whitespace) add("collapse_whitespace");
    if (it.edits.empty()) add("none");
    items.push_back(std::move(it));
  }
  size_t ours = items.size();
  size_t extra = static_cast<size_t>(static_cast<double>(ours) * o.unrelated_ratio + 0.5);
  for (size_t k = 0; k < extra && !unrelated.empty(); ++k) {
    items.push_back({-1, unrelated[(k * 7919 + rng.Below(7)) % unrelated.size()], "unrelated", 0});
  }
  if (o.shuffle || extra > 0) {
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.Below(i)]);
  }

  LeakResult res;
  std::vector<std::string> columns;
  if (o.format == DumpFormat::kCsv) {
    for (const auto& it : items) {
      for (const auto& f : it.rec.fields) {
        if (std::find(columns.begin(), columns.end(), f.first) == columns.end()) {
          columns.push_back(f.first);
        }
      }
    }
    for (size_t c = 0; c < columns.size(); ++c) res.dump += (c ? "," : "") + CsvCell(columns[c]);
    res.dump += "\r\n";
  }
  uint64_t line = o.format == DumpFormat::kCsv ? 2 : 1;
  for (const auto& it : items) {
    std::string rec_line;
    if (o.format == DumpFormat::kJsonl) {
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      for (const auto& f : it.rec.fields) j[f.first] = f.second;
      rec_line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    } else if (o.format == DumpFormat::kCsv) {
      for (size_t c = 0; c < columns.size(); ++c) {
        std::string v;
        for (const auto& f : it.rec.fields) {
          if (f.first == columns[c]) v = f.second;
        }
        rec_line += (c ? "," : "") + CsvCell(v);
      }
      rec_line += "\r\n";
    } else {
      rec_line = CollapseSpace(Joined(it.rec));
      if (rec_line.empty()) continue;
      rec_line += "\n";
    }
    TruthEntry t;
    t.line = line;
    t.source = it.source;
    t.edits = it.edits;
    if (it.source >= 0) {
      std::string a = text::NormalizeForMatch(Joined(records[static_cast<size_t>(it.source)]));
      std::string b = text::NormalizeForMatch(Joined(it.rec));
      t.jaccard = text::ShingleJaccard(a, b, o.shingle_words);
      t.kept = it.kept;
    }
    for (char c : rec_line) line += c == '\n';
    res.dump += rec_line;
    res.truth.push_back(std::move(t));
  }
  return res;
}

Status WriteLeak(Env* env, const std::string& path, const LeakResult& result) {
  CUSTODY_RETURN_IF_ERROR(env->WriteFileAtomically(path, result.dump));
  std::string truth;
  for (const auto& t : result.truth) {
    nlohmann::ordered_json j;
    j["line"] = t.line;
    j["source"] = t.source < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(t.source);
    j["edits"] = t.edits;
    j["jaccard"] = t.jaccard;
    j["kept"] = t.kept;
    truth += j.dump() + "\n";
  }
  return env->WriteFileAtomically(path + ".truth.jsonl", truth);
}

Result<std::vector<SimRecord>> LoadJsonlRecords(Env* env, const std::string& path) {
  CUSTODY_ASSIGN_OR_RETURN(std::string data, env->ReadFileToString(path));
  std::vector<SimRecord> out;
  size_t pos = 0;
  uint64_t line = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string::npos) end = data.size();
    ++line;
    std::string_view l(data.data() + pos, end - pos);
    pos = end + 1;
    if (l.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(l, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return InvalidArgumentError(path + ":" + std::to_string(line) +
                                  ": expected a JSON object");
    }
    SimRecord r;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.value().is_string()) r.fields.emplace_back(it.key(), it.value().get<std::string>());
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace custody::sketch
