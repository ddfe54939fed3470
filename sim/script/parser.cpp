// SPDX-License-Identifier: GPL-2.0-only
// sim/script/parser.cpp — a hand-written lexer and recursive-descent parser, one line at a time.
//
// [SECTION] tokens and the lexer
// [SECTION] one line: statements, arguments, expectations (LineParser)
// [SECTION] the file: title, narration, repeat blocks, profile, errors with file:line:col
#include "sim/script/parser.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>
#include <map>
#include <set>

#include "sim/profile.h"
#include "sim/script/calls.h"
#include "sim/script/user_text.h"
#include "sim/strings.h"
#include "sim/uapi.h"

namespace epollscope::sim::script {
namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] tokens and the lexer
// ---------------------------------------------------------------------------------------------

enum class Tok : uint8_t {
  kIdent,
  kNumber,
  kString,
  kLParen,
  kRParen,
  kComma,
  kEquals,
  kArrow,
  kLBracket,
  kRBracket,
  kColon,
  kPipe,
  kEnd
};

// The narrowest C integer type a number fits in. An argument accepts numbers up to its own width
// (check_arg): an fd is an int; flags are 32 bits (int or uint32_t in every call of the table);
// other numbers are 64 bits, signed or unsigned (a u64 is kept as its bit pattern).
enum class Width : uint8_t { kInt, k32Bits, k64Bits };

Width width_of(int64_t v, bool written_unsigned_above_int64) {
  if (written_unsigned_above_int64) return Width::k64Bits;
  if (v >= INT32_MIN && v <= INT32_MAX) return Width::kInt;
  if (v >= 0 && v <= static_cast<int64_t>(UINT32_MAX)) return Width::k32Bits;
  return Width::k64Bits;
}

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier, string contents, or the characters as written
  int64_t number = 0;
  Width width = Width::kInt;  // kNumber: the narrowest type the number fits in
  bool above_int64 = false;   // kNumber: written above INT64_MAX (`number` is its bit pattern)
  bool question = false;      // kArrow: written `?=>`, a question point of a quiz
  int col = 0;                // 1-based
};

const char* tok_name(Tok t) {
  switch (t) {
    case Tok::kIdent:
      return "a name";
    case Tok::kNumber:
      return "a number";
    case Tok::kString:
      return "a string";
    case Tok::kLParen:
      return "'('";
    case Tok::kRParen:
      return "')'";
    case Tok::kComma:
      return "','";
    case Tok::kEquals:
      return "'='";
    case Tok::kArrow:
      return "'=>'";
    case Tok::kLBracket:
      return "'['";
    case Tok::kRBracket:
      return "']'";
    case Tok::kColon:
      return "':'";
    case Tok::kPipe:
      return "'|'";
    case Tok::kEnd:
      return "the end of the line";
  }
  return "?";
}

// "name 'x'", "number 12", "string \"hi\"", "'('": a token as a message names it.
std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::kIdent:
      return cat("name '", t.text, "'");
    case Tok::kNumber:
      return cat("number ", t.text);
    case Tok::kString:
      return cat("string \"", t.text, "\"");
    default:
      return tok_name(t.kind);
  }
}

struct Failure {
  int col;
  std::string message;
};

// A line holds at most this many tokens: far more than any statement needs (a list of thousands of
// expected events), and it keeps the tokens of one line within a few MB however long the line.
constexpr std::size_t kMaxTokensPerLine = 100000;

struct Lexed {
  std::vector<Token> tokens;  // ends with a kEnd token
  std::size_t code_end = 0;   // where the statement's text ends: at a `//` comment, or a final ';'
};

// True when only blanks or a `//` comment follow position `from` (a C-style ';' may end a line).
bool only_comment_after(const std::string& line, std::size_t from) {
  std::size_t k = line.find_first_not_of(" \t", from);
  return k == std::string::npos || line.compare(k, 2, "//") == 0;
}

// Splits one line into tokens; `//` outside a string starts a comment that runs to the end of the
// line. A ';' at the end of a line (before blanks or a comment) is accepted as C's end of a
// statement and ignored.
std::variant<Lexed, Failure> lex(const std::string& line) {
  Lexed lexed;
  std::vector<Token>& out = lexed.tokens;
  lexed.code_end = line.size();
  std::size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == ' ' || c == '\t') {
      ++i;
      continue;
    }
    Token t;
    t.col = static_cast<int>(i) + 1;
    if (out.size() == kMaxTokensPerLine)
      return Failure{t.col, cat("this line is too long: a line may hold at most ",
                                kMaxTokensPerLine, " names, numbers and signs")};
    if (c == '/' && i + 1 < line.size() && line[i + 1] == '/') {
      lexed.code_end = i;
      break;
    }
    if (c == ';') {
      if (!only_comment_after(line, i + 1))
        return Failure{t.col,
                       "';' may only end a line: a scenario has one statement per line, and the "
                       "end of the line ends it"};
      lexed.code_end = i;
      break;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < line.size() &&
             (std::isalnum(static_cast<unsigned char>(line[j])) || line[j] == '_'))
        ++j;
      t.kind = Tok::kIdent;
      t.text = line.substr(i, j - i);
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && i + 1 < line.size() &&
                std::isdigit(static_cast<unsigned char>(line[i + 1])))) {
      const bool negative = c == '-';
      std::size_t j = i + (negative ? 1 : 0);
      int base = 10;
      if (line.compare(j, 2, "0x") == 0 || line.compare(j, 2, "0X") == 0) {
        base = 16;
        j += 2;
      }
      std::size_t start = j;
      while (j < line.size() && std::isxdigit(static_cast<unsigned char>(line[j])) &&
             (base == 16 || std::isdigit(static_cast<unsigned char>(line[j]))))
        ++j;
      if (j == start) return Failure{t.col, "a number is expected after '0x'"};
      if (j < line.size() && (std::isalnum(static_cast<unsigned char>(line[j])) || line[j] == '_'))
        return Failure{static_cast<int>(j) + 1,
                       cat("unexpected '", std::string(1, line[j]), "' in a number")};
      // The magnitude in 64 bits unsigned: no signed arithmetic can overflow here.
      uint64_t v = 0;
      for (std::size_t k = start; k < j; ++k) {
        const unsigned char ch = static_cast<unsigned char>(line[k]);
        const int d = std::isdigit(ch) ? ch - '0' : std::tolower(ch) - 'a' + 10;
        if (v > (~uint64_t{0} - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
          return Failure{t.col,
                         "this number does not fit in 64 bits (at most 18446744073709551615)"};
        v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
      }
      constexpr uint64_t kMinMagnitude = uint64_t{1} << 63;  // -INT64_MIN
      if (negative && v > kMinMagnitude)
        return Failure{t.col,
                       "this number does not fit in 64 bits (at least -9223372036854775808)"};
      t.kind = Tok::kNumber;
      if (negative)
        t.number = v == kMinMagnitude ? INT64_MIN : -static_cast<int64_t>(v);
      else
        t.number = static_cast<int64_t>(v);  // above INT64_MAX: its bit pattern, as a u64 in C
      t.above_int64 = !negative && v > static_cast<uint64_t>(INT64_MAX);
      t.width = width_of(t.number, t.above_int64);
      t.text = line.substr(i, j - i);
      i = j;
    } else if (c == '"') {
      std::size_t j = i + 1;
      std::string s;
      bool closed = false;
      while (j < line.size()) {
        if (line[j] == '\\' && j + 1 < line.size()) {
          const char e = line[j + 1];
          switch (e) {
            case 'n':
              s += '\n';
              break;
            case 't':
              s += '\t';
              break;
            case '"':
            case '\\':
              s += e;
              break;
            default:
              return Failure{static_cast<int>(j) + 1,
                             cat("unknown escape '\\", printable(line.substr(j + 1, 1)),
                                 "' in a string (known: \\\" \\\\ \\n \\t)")};
          }
          j += 2;
          continue;
        }
        if (line[j] == '"') {
          closed = true;
          break;
        }
        s += line[j++];
      }
      if (!closed)
        return Failure{t.col, "unterminated string: a '\"' is missing before the end of the line"};
      t.kind = Tok::kString;
      t.text = s;
      i = j + 1;
    } else {
      switch (c) {
        case '(':
          t.kind = Tok::kLParen;
          break;
        case ')':
          t.kind = Tok::kRParen;
          break;
        case ',':
          t.kind = Tok::kComma;
          break;
        case '[':
          t.kind = Tok::kLBracket;
          break;
        case ']':
          t.kind = Tok::kRBracket;
          break;
        case ':':
          t.kind = Tok::kColon;
          break;
        case '|':
          t.kind = Tok::kPipe;
          break;
        case '=':
          if (i + 1 < line.size() && line[i + 1] == '>') {
            t.kind = Tok::kArrow;
            ++i;
          } else {
            t.kind = Tok::kEquals;
          }
          break;
        case '?':
          // `?=>`: an expectation that a quiz asks the learner to predict (epollscope quiz).
          if (line.compare(i, 3, "?=>") == 0) {
            t.kind = Tok::kArrow;
            t.question = true;
            i += 2;
            break;
          }
          [[fallthrough]];
        default: {
          // One whole character (a UTF-8 sequence, validated before lexing), shown escaped.
          std::size_t n = 1;
          if (static_cast<unsigned char>(c) >= 0x80)
            while (i + n < line.size() && (static_cast<unsigned char>(line[i + n]) & 0xc0) == 0x80)
              ++n;
          return Failure{t.col, cat("unexpected character '", printable(line.substr(i, n)), "'",
                                    static_cast<unsigned char>(c) >= 0x80
                                        ? " (names are ASCII letters, digits and _)"
                                        : "")};
        }
      }
      t.text = std::string(1, c);
      ++i;
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.kind = Tok::kEnd;
  end.col = static_cast<int>(lexed.code_end) + 1;
  out.push_back(end);
  return lexed;
}

bool looks_like_constant(const std::string& s) {
  if (s.empty() || !std::isupper(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!(std::isupper(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

// "did you mean ...?" hints: the nearest call, flag or errno, or a defined fd name.
std::string call_hint(const std::string& name) {
  // epoll_ctl's operations are often taken for calls of their own (epoll_add, epoll_mod, ...).
  std::string lower;
  for (char c : name)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind("epoll", 0) == 0)
    for (const char* op : {"add", "mod", "del", "ctl"})
      if (lower.find(op, 5) != std::string::npos) return " (did you mean epoll_ctl?)";
  std::vector<std::string_view> calls;
  for (const auto& c : all_calls())
    calls.emplace_back(c.name);
  return did_you_mean(name, calls);
}

std::string flag_hint(const std::string& name) {
  return did_you_mean(name, constant_names());
}

std::string name_hint(const std::string& name, const std::set<std::string>& names) {
  std::vector<std::string_view> known(names.begin(), names.end());
  std::string hint = did_you_mean(name, known);
  return hint.empty() ? flag_hint(name) : hint;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] one line: statements, arguments, expectations (LineParser)
// ---------------------------------------------------------------------------------------------

// The title lines of a file: `title "..."` and `title_zh "..."`, each at most once.
struct Titles {
  std::string& title;
  std::string& title_zh;
  bool has_title = false;
  bool has_title_zh = false;
  int title_zh_line = 0;  // where title_zh was written, for the error when there is no title
};

class LineParser {
 public:
  LineParser(std::vector<Token> toks, std::set<std::string>& names, std::set<std::string>& threads)
      : t_(std::move(toks)), names_(names), threads_(threads) {}

  // The line was the scenario's title, not a statement.
  bool is_title() const { return is_title_; }

  // A quiz answer: one expectation of the call (no alternatives), and nothing after it.
  std::optional<Failure> answer(Expectation& e, const CallSpec* spec) {
    if (peek().kind == Tok::kEnd)
      return Failure{peek().col,
                     "an answer is expected: a number, -1 and an errno, a list of events in [ ] "
                     "(e.g. [rfd: EPOLLIN] or []), or blocks"};
    if (auto f = expectation(e, spec)) return f;
    if (is_or(peek())) return Failure{peek().col, "give one answer, without 'or'"};
    return expect_end();
  }

  // Fills `st`; throws nothing: failures are returned.
  std::optional<Failure> statement(Statement& st, Titles& titles) {
    if (peek().kind == Tok::kIdent && peek().text == "title" && peek(1).kind == Tok::kString) {
      if (titles.has_title) return Failure{peek().col, "the scenario already has a title"};
      next();
      titles.title = next().text;
      titles.has_title = true;
      is_title_ = true;
      return expect_end();
    }
    // title_zh "...": the title in Simplified Chinese, beside the English one.
    // (A name may still be called title_zh: `title_zh = epoll_create1(0)` is a statement.)
    if (peek().kind == Tok::kIdent && peek().text == "title_zh" &&
        (peek(1).kind == Tok::kString || peek(1).kind == Tok::kEnd)) {
      if (peek(1).kind == Tok::kEnd)
        return Failure{peek(1).col, "title_zh takes the Chinese title in quotes: title_zh \"...\""};
      if (titles.has_title_zh)
        return Failure{peek().col, "the scenario already has a Chinese title (title_zh)"};
      next();
      titles.title_zh = next().text;
      titles.has_title_zh = true;
      is_title_ = true;
      return expect_end();
    }
    if (peek().kind != Tok::kIdent)
      return Failure{peek().col,
                     cat("a statement starts with a call or a name, not ", tok_name(peek().kind))};

    // thread => expectation
    if (peek(1).kind == Tok::kArrow) {
      Token name = next();
      if (!threads_.count(name.text))
        return Failure{name.col,
                       cat("'", name.text, "' is not a thread that has made a call (write `",
                           name.text, ": call(...)` first)")};
      st.question = next().question;
      st.kind = Statement::Kind::kThreadResult;
      st.thread = name.text;
      st.loc.col = name.col;
      if (auto f = expectations(st.expect, nullptr)) return f;
      return expect_end();
    }
    // thread prefix
    if (peek(1).kind == Tok::kColon) {
      Token name = next();
      next();
      if (names_.count(name.text))
        return Failure{name.col,
                       cat("'", name.text, "' is an fd name; a thread needs a name of its own")};
      if (name.text == "main")
        return Failure{name.col,
                       "'main' is the scenario's own thread; write the call without a prefix"};
      st.thread = name.text;
      if (peek().kind != Tok::kIdent)
        return Failure{peek().col, cat("a call is expected after '", name.text, ":'")};
    }
    // assignment
    Token assign_tok;
    if (peek(1).kind == Tok::kEquals) {
      assign_tok = next();
      next();
      st.assign = assign_tok.text;
      if (peek().kind != Tok::kIdent)
        return Failure{peek().col, cat("a call is expected after '", st.assign, " ='")};
    }
    Token call = next();
    if (call.kind != Tok::kIdent) return Failure{call.col, "a call is expected"};
    const CallSpec* spec = find_call(call.text);
    if (!spec) {
      if (peek().kind != Tok::kLParen)
        return Failure{peek().col, cat("expected '(' after '", call.text, "'")};
      return Failure{call.col, cat("unknown call '", call.text, "'", call_hint(call.text))};
    }
    st.call = spec->id;
    st.loc.col = call.col;
    if (!st.assign.empty()) {
      if (spec->result != ResultKind::kFd)
        return Failure{
            assign_tok.col,
            cat(spec->name, " does not return a new fd; it cannot be assigned to a name")};
      if (names_.count(st.assign))
        return Failure{assign_tok.col, cat("name '", st.assign, "' is already defined")};
      if (looks_like_constant(st.assign) && constant_from_name(st.assign))
        return Failure{assign_tok.col,
                       cat("'", st.assign, "' is a constant, not a name for an fd")};
    }
    Token lp = next();
    if (lp.kind != Tok::kLParen)
      return Failure{lp.col, cat("expected '(' after '", call.text, "'")};
    std::vector<std::string> defined_here;
    if (peek().kind != Tok::kRParen) {
      while (true) {
        Arg a;
        Width width = Width::kInt;
        if (auto f = argument(a, width)) return f;
        st.args.push_back(std::move(a));
        widths_.push_back(width);
        if (peek().kind == Tok::kComma) {
          next();
          continue;
        }
        break;
      }
    }
    Token rp = next();
    if (rp.kind != Tok::kRParen)
      return Failure{rp.col, cat("expected ',' or ')' in the arguments of ", spec->name, ", found ",
                                 tok_name(rp.kind))};

    // Argument count and kinds (epoll_wait's buffer may be left out where it stands).
    auto placed = place_arguments(*spec, st.args.size());
    if (!placed) {
      const std::size_t required = required_arguments(*spec), total = spec->args.size();
      const std::string want = required == total       ? std::to_string(required)
                               : required + 1 == total ? cat(required, " or ", total)
                                                       : cat(required, " to ", total);
      return Failure{call.col, cat(spec->name, " takes ", want, " arguments, not ", st.args.size(),
                                   " (usage: ", spec->usage, ")")};
    }
    st.placed = std::move(*placed);
    for (std::size_t i = 0; i < st.placed.size(); ++i)
      if (st.placed[i] >= 0)
        if (auto f = check_arg(st.args[static_cast<std::size_t>(st.placed[i])],
                               widths_[static_cast<std::size_t>(st.placed[i])], spec->args[i],
                               *spec, defined_here))
          return f;
    if (auto f = check_nfds(st, *spec)) return f;
    if (!lists_.empty())
      st.lists = std::make_shared<const std::vector<std::vector<ListItem>>>(std::move(lists_));
    lists_.clear();
    for (const auto& n : defined_here)
      names_.insert(n);
    if (!st.assign.empty()) names_.insert(st.assign);
    if (st.thread != "main") threads_.insert(st.thread);

    if (peek().kind == Tok::kIdent && peek().text == "during")
      if (auto f = during_clause(st, *spec)) return f;

    if (peek().kind == Tok::kArrow) {
      Token arrow = next();
      if (st.during)
        return Failure{arrow.col, cat("a call during ep_send_events is made later, inside the "
                                      "harvest: check its result after the epoll_wait with `",
                                      st.thread, " => ...`")};
      if (auto f = expectations(st.expect, spec)) return f;
      st.question = arrow.question;
    }
    return expect_end();
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    std::size_t i = std::min(pos_ + ahead, t_.size() - 1);
    return t_[i];
  }
  Token next() {
    Token t = peek();
    if (pos_ < t_.size() - 1) ++pos_;
    return t;
  }
  std::optional<Failure> expect_end() {
    if (peek().kind != Tok::kEnd)
      return Failure{peek().col,
                     cat("unexpected ", describe(peek()), " after the end of the statement")};
    return std::nullopt;
  }

  // flags := term { '|' term }; `width` is the widest of the terms.
  std::optional<Failure> flags_expr(int64_t& value, std::string& text, Width& width) {
    value = 0;
    width = Width::kInt;
    while (true) {
      Token t = next();
      if (t.kind == Tok::kNumber) {
        value |= t.number;
        width = std::max(width, t.width);
      } else if (t.kind == Tok::kIdent) {
        auto c = constant_from_name(t.text);
        if (!c) {
          if (names_.count(t.text))
            return Failure{t.col, cat("'", t.text, "' is an fd name, not a flag")};
          return Failure{t.col, cat("unknown flag '", t.text, "'", flag_hint(t.text))};
        }
        value |= *c;
        width = std::max(width, width_of(*c, false));
      } else {
        return Failure{t.col, cat("a flag or a number is expected, not ", tok_name(t.kind))};
      }
      text += t.text;
      if (peek().kind != Tok::kPipe) break;
      next();
      text += "|";
    }
    return std::nullopt;
  }

  std::optional<Failure> argument(Arg& a, Width& width) {
    const Token& t = peek();
    a.loc.col = t.col;
    if (t.kind == Tok::kString) {
      a.kind = Arg::Kind::kString;
      a.name = next().text;
      a.text = cat("\"", a.name, "\"");
      return std::nullopt;
    }
    if (t.kind == Tok::kIdent && t.text == "NULL") {
      next();
      a.kind = Arg::Kind::kNull;
      a.text = "NULL";
      return std::nullopt;
    }
    if (t.kind == Tok::kIdent && t.text == "all" && peek(1).kind == Tok::kIdent)
      return Failure{t.col, cat("'all ", peek(1).text,
                                "' (every fd a name has been bound to) is written inside poll's "
                                "array or select's sets: poll([all ",
                                peek(1).text, ": POLLIN], 0), select(nfds, [all ", peek(1).text,
                                "], [], [], 0)")};
    if (t.kind == Tok::kIdent && t.text == "BADPTR") {
      next();
      a.kind = Arg::Kind::kBadPtr;
      a.text = "BADPTR";
      return std::nullopt;
    }
    if (t.kind == Tok::kIdent && !constant_from_name(t.text) && peek(1).kind != Tok::kPipe) {
      a.kind = Arg::Kind::kName;
      a.name = next().text;
      a.text = a.name;
      return std::nullopt;
    }
    if (t.kind == Tok::kIdent || t.kind == Tok::kNumber) {
      a.kind = Arg::Kind::kNumber;
      return flags_expr(a.number, a.text, width);
    }
    if (t.kind == Tok::kLBracket) return list_argument(a);
    return Failure{t.col, cat("an argument is expected, not ", tok_name(t.kind))};
  }

  // list := '[' [ item { ',' item } ] ']'; item := fd [ ':' flags ] (poll's `rfd: POLLIN`, an fd
  // of select's set). Which form a call takes is checked against its spec (check_arg).
  std::optional<Failure> list_argument(Arg& a) {
    next();
    a.kind = Arg::Kind::kList;
    a.text = "[";
    std::vector<ListItem> items;
    if (peek().kind == Tok::kRBracket) {
      next();
      a.text = "[]";
      lists_.push_back(std::move(items));
      a.list = static_cast<uint32_t>(lists_.size());
      return std::nullopt;
    }
    while (true) {
      ListItem item;
      Token who = next();
      // `all r`: every fd r has been bound to (a name called `all` is still `all: POLLIN`).
      if (who.kind == Tok::kIdent && who.text == "all" && peek().kind != Tok::kColon &&
          peek().kind != Tok::kComma && peek().kind != Tok::kRBracket) {
        const Token name = next();
        if (name.kind != Tok::kIdent || constant_from_name(name.text))
          return Failure{name.col, cat("'all' is followed by an fd name: [all r: POLLIN] passes "
                                       "every fd r has been bound to, not ",
                                       describe(name))};
        item.all = true;
        item.text = "all ";
        who = name;
      }
      item.loc.col = who.col;
      if (who.kind == Tok::kIdent && !constant_from_name(who.text)) {
        item.name = who.text;
      } else if (who.kind == Tok::kNumber) {
        if (who.width != Width::kInt)
          return Failure{who.col, cat("an fd is an int: ", who.text,
                                      " is out of its range (-2147483648 to 2147483647)")};
        item.fd = who.number;
      } else {
        return Failure{who.col,
                       cat("an fd name or number is expected in the list, not ", describe(who))};
      }
      item.text += who.text;
      if (peek().kind == Tok::kColon) {
        next();
        Width width = Width::kInt;
        const int col = peek().col;
        std::string text;
        if (auto f = flags_expr(item.events, text, width)) return f;
        if (item.events < 0 || item.events > 0xffff)
          return Failure{col, cat("poll's events is a short: ", text,
                                  " does not fit in 16 bits (0 to 0xffff)")};
        item.has_events = true;
        item.text += ": " + text;
      }
      a.text += cat(items.empty() ? "" : ", ", item.text);
      items.push_back(std::move(item));
      Token sep = next();
      if (sep.kind == Tok::kRBracket) break;
      if (sep.kind != Tok::kComma)
        return Failure{sep.col, cat("expected ',' or ']' in the list, found ", tok_name(sep.kind))};
    }
    a.text += "]";
    lists_.push_back(std::move(items));
    a.list = static_cast<uint32_t>(lists_.size());
    return std::nullopt;
  }

  // The items of a list argument for poll (`fd: events` each) or select (`fd` each).
  std::optional<Failure> check_list(const Arg& a, bool poll, const CallSpec& spec) {
    for (const ListItem& item : lists_[a.list - 1]) {
      if (!item.name.empty() && !names_.count(item.name))
        return Failure{item.loc.col,
                       cat("undefined name '", item.name, "'",
                           item.name == "all" && !item.all
                               ? " ('all r' passes every fd the name r has been bound to)"
                               : name_hint(item.name, names_))};
      if (poll && !item.has_events)
        return Failure{item.loc.col, cat("poll's array gives each fd its events: `", item.text,
                                         ": POLLIN` (usage: ", spec.usage, ")")};
      if (!poll && item.has_events)
        return Failure{item.loc.col, cat("select's sets are lists of fds, without events: the set "
                                         "says what is asked (usage: ",
                                         spec.usage, ")")};
      if (!poll && item.name.empty() && (item.fd < 0 || item.fd >= kMaxSelectFd))
        return Failure{item.loc.col, cat("an fd in a set is a bit number: 0 to ", kMaxSelectFd - 1,
                                         ", not ", item.fd)};
    }
    return std::nullopt;
  }

  // poll's and ppoll's nfds: the array's length, left out after an array; after NULL (an array
  // that faults when nfds > 0) it must be written.
  static std::optional<Failure> check_nfds(const Statement& st, const CallSpec& spec) {
    if (!takes_pollfds(spec.id)) return std::nullopt;
    const Arg& fds = st.args[static_cast<std::size_t>(st.placed[0])];
    const int nfds = st.placed[1];
    if (fds.kind == Arg::Kind::kNull && nfds < 0)
      return Failure{fds.loc.col, cat("with NULL as the array, give nfds: `", spec.name,
                                      "(NULL, 2, ...)` (usage: ", spec.usage, ")")};
    if (fds.kind == Arg::Kind::kList && nfds >= 0)
      return Failure{st.args[static_cast<std::size_t>(nfds)].loc.col,
                     cat("nfds is the length of the array; it is written only after NULL (usage: ",
                         spec.usage, ")")};
    return std::nullopt;
  }

  std::optional<Failure> check_arg(Arg& a, Width width, const ArgSpec& arg, const CallSpec& spec,
                                   std::vector<std::string>& defined_here) {
    return check_arg(a, width, arg.kind, arg.name, spec, defined_here);
  }

  // A number wider than its argument's C type cannot be passed; refusing it here keeps the model,
  // the live child and the exported C from each truncating it in its own way (close(4294967296)
  // would close fd 0).
  static std::optional<Failure> check_width(const Arg& a, Width width, ArgKind kind,
                                            const char* name) {
    if (a.kind != Arg::Kind::kNumber) return std::nullopt;
    if (kind == ArgKind::kFd && width != Width::kInt)
      return Failure{a.loc.col, cat("an fd is an int: ", a.text,
                                    " is out of its range (-2147483648 to 2147483647)")};
    if ((kind == ArgKind::kFlags || kind == ArgKind::kFlagsOrNull) && width == Width::k64Bits)
      return Failure{a.loc.col, cat("'", name, "' is a 32-bit argument: ", a.text,
                                    " is out of its range (-2147483648 to 4294967295)")};
    return std::nullopt;
  }

  std::optional<Failure> check_arg(Arg& a, Width width, ArgKind kind, const char* arg_name,
                                   const CallSpec& spec, std::vector<std::string>& defined_here) {
    if (auto f = check_width(a, width, kind, arg_name)) return f;
    if (a.kind == Arg::Kind::kBadPtr && kind != ArgKind::kFdSet && kind != ArgKind::kTimePtr)
      return Failure{a.loc.col,
                     cat("BADPTR, a pointer that faults, is taken by the sets and the "
                         "timeout of select and pselect6 and by ppoll's timeout; '",
                         arg_name, "' of ", spec.name, " is not one (usage: ", spec.usage, ")")};
    if (a.kind == Arg::Kind::kList && kind != ArgKind::kPollFds && kind != ArgKind::kFdSet)
      return Failure{a.loc.col,
                     cat("a list in [ ] is poll's fds or one of select's sets; '", arg_name,
                         "' of ", spec.name, " is not one (usage: ", spec.usage, ")")};
    switch (kind) {
      case ArgKind::kNewFd:
        if (a.kind != Arg::Kind::kName)
          return Failure{a.loc.col, cat(spec.name, " needs a name here for the new fd")};
        if (names_.count(a.name) ||
            std::find(defined_here.begin(), defined_here.end(), a.name) != defined_here.end())
          return Failure{a.loc.col, cat("name '", a.name, "' is already defined")};
        if (threads_.count(a.name))
          return Failure{a.loc.col, cat("'", a.name, "' is a thread name")};
        defined_here.push_back(a.name);
        return std::nullopt;
      case ArgKind::kFd:
        if (a.kind == Arg::Kind::kNumber) return std::nullopt;
        if (a.kind != Arg::Kind::kName)
          return Failure{a.loc.col, "an fd name or a number is expected here"};
        if (!names_.count(a.name)) {
          if (looks_like_constant(a.name))
            return Failure{a.loc.col, cat("unknown flag '", a.name, "'", flag_hint(a.name))};
          return Failure{a.loc.col,
                         cat("undefined name '", a.name, "'", name_hint(a.name, names_))};
        }
        return std::nullopt;
      case ArgKind::kInt:
      case ArgKind::kFlags:
        if (a.kind == Arg::Kind::kNumber) return std::nullopt;
        if (a.kind == Arg::Kind::kName) {
          if (looks_like_constant(a.name))
            return Failure{a.loc.col, cat("unknown flag '", a.name, "'", flag_hint(a.name))};
          if (names_.count(a.name))
            return Failure{a.loc.col,
                           cat("'", a.name, "' is an fd name; a number",
                               kind == ArgKind::kFlags ? " or flags" : "", " is expected here")};
          return Failure{a.loc.col, cat("undefined name '", a.name, "'",
                                        kind == ArgKind::kFlags ? flag_hint(a.name)
                                                                : name_hint(a.name, names_))};
        }
        return Failure{a.loc.col, "a number is expected here"};
      case ArgKind::kFlagsOrNull:
        if (a.kind == Arg::Kind::kNull) return std::nullopt;
        return check_arg(a, width, ArgKind::kFlags, arg_name, spec, defined_here);
      case ArgKind::kIntOrNull:
        if (a.kind == Arg::Kind::kNull) return std::nullopt;
        return check_arg(a, width, ArgKind::kInt, arg_name, spec, defined_here);
      case ArgKind::kBytes:
        if (a.kind == Arg::Kind::kString) return std::nullopt;
        return check_arg(a, width, ArgKind::kInt, arg_name, spec, defined_here);
      case ArgKind::kBuffer:
        if (a.kind == Arg::Kind::kNull || (a.kind == Arg::Kind::kName && a.name == "events"))
          return std::nullopt;
        return Failure{a.loc.col, "the events buffer is written `events` (a valid buffer) or NULL"};
      case ArgKind::kTimePtr:
        if (a.kind == Arg::Kind::kNull || a.kind == Arg::Kind::kBadPtr) return std::nullopt;
        return check_arg(a, width, ArgKind::kInt, arg_name, spec, defined_here);
      case ArgKind::kNfds:
        if (auto f = check_arg(a, width, ArgKind::kInt, arg_name, spec, defined_here)) return f;
        if (a.number < 0 || a.number > 0xffffffffLL)
          return Failure{a.loc.col, cat("nfds is an unsigned int: ", a.text,
                                        " is out of its range (0 to 4294967295)")};
        return std::nullopt;
      case ArgKind::kPollFds:
        if (a.kind == Arg::Kind::kNull) return std::nullopt;
        if (a.kind != Arg::Kind::kList)
          return Failure{
              a.loc.col,
              cat("poll's fds are a list: [rfd: POLLIN, wfd: POLLOUT] (usage: ", spec.usage, ")")};
        return check_list(a, true, spec);
      case ArgKind::kFdSet:
        if (a.kind == Arg::Kind::kNull || a.kind == Arg::Kind::kBadPtr) return std::nullopt;
        if (a.kind != Arg::Kind::kList)
          return Failure{a.loc.col, cat("a set of select is a list of fds, [rfd, 7], [] or NULL "
                                        "(usage: ",
                                        spec.usage, ")")};
        return check_list(a, false, spec);
    }
    return std::nullopt;
  }

  // during := 'during' 'ep_send_events' '(' epoll [',' items] ')': the call is made on another
  // CPU inside the next harvest of `epoll`, after `items` ready items (1 when left out).
  std::optional<Failure> during_clause(Statement& st, const CallSpec& spec) {
    const Token word = next();
    Statement::During during;
    during.loc.col = word.col;
    if (st.thread == "main")
      return Failure{word.col, cat("a call during ep_send_events runs on another CPU: give it a "
                                   "thread of its own (`t2: ",
                                   spec.name, "(...) during ep_send_events(ep)`)")};
    switch (spec.id) {
      case CallId::kWrite:
      case CallId::kRead:
      case CallId::kSend:
      case CallId::kRecv:
      case CallId::kEventfdWrite:
      case CallId::kEventfdRead:
      case CallId::kShutdown:
        break;
      default:
        return Failure{word.col,
                       cat(spec.name,
                           " cannot be made during ep_send_events: only a file's calls can (write, "
                           "read, send, recv, eventfd_write, eventfd_read, shutdown); the others "
                           "would wait for the harvest's ep->mtx")};
    }
    const Token fn = next();
    if (fn.kind != Tok::kIdent || fn.text != "ep_send_events")
      return Failure{fn.col, cat("'during' is followed by ep_send_events(ep) or "
                                 "ep_send_events(ep, items), not ",
                                 describe(fn))};
    if (const Token lp = next(); lp.kind != Tok::kLParen)
      return Failure{lp.col, "expected '(' after 'ep_send_events'"};
    Width width = Width::kInt;
    if (auto f = argument(during.epoll, width)) return f;
    std::vector<std::string> unused;
    static const ArgSpec epoll_arg{ArgKind::kFd, "ep"};
    if (auto f = check_arg(during.epoll, width, epoll_arg, spec, unused)) return f;
    if (peek().kind == Tok::kComma) {
      next();
      const Token n = next();
      if (n.kind != Tok::kNumber || n.number < 1 || n.number > 1000000 || n.above_int64)
        return Failure{n.col,
                       "the number of ready items processed before the call is expected "
                       "here: 1 to 1000000"};
      during.after_items = n.number;
    }
    if (const Token rp = next(); rp.kind != Tok::kRParen)
      return Failure{rp.col, cat("expected ')' after the arguments of ep_send_events, found ",
                                 tok_name(rp.kind))};
    st.during = std::make_shared<const Statement::During>(std::move(during));
    return std::nullopt;
  }

  static bool is_or(const Token& t) { return t.kind == Tok::kIdent && t.text == "or"; }

  // Two alternatives that accept the same outcomes.
  static bool same_alternative(const Expectation& a, const Expectation& b) {
    if (a.kind != b.kind || a.value != b.value || a.err != b.err) return false;
    if (a.events.size() != b.events.size()) return false;
    for (std::size_t i = 0; i < a.events.size(); ++i)
      if (a.events[i].name != b.events[i].name || a.events[i].data != b.events[i].data ||
          a.events[i].events != b.events[i].events)
        return false;
    return true;
  }

  // expectations := expectation { 'or' expectation }: the outcomes a race may give (each checked
  // against the call like a single expectation; no two the same).
  std::optional<Failure> expectations(Expectation& e, const CallSpec* spec) {
    if (is_or(peek()))
      return Failure{peek().col,
                     "an expectation is expected before 'or', e.g. => [] or [r: EPOLLIN]"};
    if (auto f = expectation(e, spec)) return f;
    while (is_or(peek())) {
      const Token or_tok = next();
      if (peek().kind == Tok::kEnd || is_or(peek()))
        return Failure{peek().col,
                       cat("an alternative is expected after 'or' (column ", or_tok.col,
                           "): a number, -1 and an errno, a list of events in [ ], or blocks")};
      Expectation alt;
      if (auto f = expectation(alt, spec)) return f;
      const std::size_t n = e.count();
      for (std::size_t i = 0; i < n; ++i)
        if (same_alternative(e.alternative(i), alt))
          return Failure{alt.loc.col, cat("'", alt.text, "' is listed already (alternative ", i + 1,
                                          "); each alternative must be another outcome")};
      e.alternatives.push_back(std::move(alt));
    }
    return std::nullopt;
  }

  // expectation := 'blocks' | NUMBER | '-1' ERRNO | '[' events ']'
  std::optional<Failure> expectation(Expectation& e, const CallSpec* spec) {
    const Token& t = peek();
    e.loc.col = t.col;
    if (spec && spec->result == ResultKind::kNothing)
      return Failure{t.col, cat(spec->name, " returns nothing to expect")};
    if (t.kind == Tok::kIdent && t.text == "blocks") {
      next();
      if (spec && !spec->may_sleep)
        return Failure{t.col, cat(spec->name, " never sleeps; it cannot be expected to block")};
      e.kind = Expectation::Kind::kBlocks;
      e.text = "blocks";
      return std::nullopt;
    }
    // A value written with constants, as C would: fcntl(fd, F_GETFL) => O_RDWR | O_NONBLOCK.
    if ((t.kind == Tok::kIdent && constant_from_name(t.text)) ||
        (t.kind == Tok::kNumber && peek(1).kind == Tok::kPipe)) {
      int64_t v = 0;
      std::string text;
      Width width = Width::kInt;
      if (auto f = flags_expr(v, text, width)) return f;
      e.kind = Expectation::Kind::kValue;
      e.value = v;
      e.text = text;
      return std::nullopt;
    }
    if (t.kind == Tok::kNumber) {
      Token n = next();
      if (n.number == -1 && peek().kind == Tok::kIdent && !is_or(peek())) {
        Token err = next();
        auto v = errno_from_name(err.text);
        if (!v)
          return Failure{err.col, cat("unknown errno '", err.text, "'",
                                      did_you_mean(err.text, errno_names()))};
        e.kind = Expectation::Kind::kError;
        e.err = *v;
        e.text = cat("-1 ", err.text);
        return std::nullopt;
      }
      if (n.number == -1)
        return Failure{peek().col, "an errno name is expected after -1, e.g. => -1 EAGAIN"};
      // eventfd_read's value is a u64: any 64-bit number may be expected of it.
      if (n.number < 0 && !(n.above_int64 && (!spec || spec->result == ResultKind::kValue)))
        return Failure{n.col, "a result is a count, a value or -1 with an errno"};
      e.kind = Expectation::Kind::kValue;
      e.value = n.number;
      e.text = n.text;
      return std::nullopt;
    }
    if (t.kind == Tok::kLBracket) {
      if (spec && spec->result != ResultKind::kEvents)
        return Failure{t.col,
                       cat("only epoll_wait returns a list of events; ", spec->name, " does not")};
      next();
      e.kind = Expectation::Kind::kEvents;
      e.text = "[";
      if (peek().kind == Tok::kRBracket) {
        next();
        e.text = "[]";
        return std::nullopt;
      }
      while (true) {
        ExpectedEvent ev;
        Token who = next();
        ev.loc.col = who.col;
        if (who.kind == Tok::kIdent && who.text == "all" && peek().kind == Tok::kIdent)
          return Failure{who.col,
                         "'all' passes many fds to poll or select, but an expectation lists each "
                         "entry returned: expect their count instead (=> 1000)"};
        if (who.kind == Tok::kIdent) {
          if (!names_.count(who.text))
            return Failure{who.col,
                           cat("undefined name '", who.text, "'", name_hint(who.text, names_))};
          ev.name = who.text;
        } else if (who.kind == Tok::kNumber) {
          ev.data = who.number;
        } else {
          return Failure{who.col, "an event starts with an fd name or a data value"};
        }
        Token colon = next();
        if (colon.kind != Tok::kColon)
          return Failure{colon.col, "expected ':' between the data and the events"};
        int64_t mask = 0;
        std::string text;
        Width width = Width::kInt;
        const int mask_col = peek().col;
        if (auto f = flags_expr(mask, text, width)) return f;
        if (width == Width::k64Bits)
          return Failure{mask_col, cat("an event mask is 32 bits: ", text, " does not fit")};
        ev.events = static_cast<uint32_t>(mask);
        e.text += cat(e.events.empty() ? "" : ", ", who.text, ": ", text);
        e.events.push_back(ev);
        Token sep = next();
        if (sep.kind == Tok::kRBracket) break;
        if (sep.kind != Tok::kComma)
          return Failure{sep.col, "expected ',' or ']' in the list of events"};
      }
      e.text += "]";
      return std::nullopt;
    }
    return Failure{
        t.col, "an expectation is a number, -1 and an errno, a list of events in [ ], or blocks"};
  }

  std::vector<Token> t_;
  std::vector<Width> widths_;  // of each written argument, in order
  std::size_t pos_ = 0;
  std::set<std::string>& names_;
  std::set<std::string>& threads_;
  std::vector<std::vector<ListItem>> lists_;  // the statement's list arguments (Arg::list - 1)
  bool is_title_ = false;
};

// ---------------------------------------------------------------------------------------------
// [SECTION] the file: title, narration, repeat blocks, profile, errors with file:line:col
// ---------------------------------------------------------------------------------------------

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  std::size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// The file's lines: a line ends at "\n", "\r\n" or a lone "\r" (old Mac files: without this a
// CR-only file is one long line); a UTF-8 byte order mark at the start is skipped.
std::vector<std::string> split_lines(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') continue;
    lines.emplace_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) lines.emplace_back(text.substr(start));
  return lines;
}

// A scenario is UTF-8 text: the first NUL byte or invalid UTF-8 byte of a line, as a failure.
std::optional<Failure> check_text(const std::string& line) {
  for (std::size_t i = 0; i < line.size();) {
    const unsigned char b = static_cast<unsigned char>(line[i]);
    const int col = static_cast<int>(i) + 1;
    if (b == 0) return Failure{col, "a NUL byte (\\x00): a scenario is text"};
    if (b < 0x80) {
      ++i;
      continue;
    }
    // printable() leaves a valid sequence as it is and escapes the first byte of an invalid one.
    const std::string shown = printable(std::string_view(line).substr(i, 4));
    if (shown.rfind("\\x", 0) == 0)
      return Failure{col, cat("invalid UTF-8 (byte ", shown.substr(0, 4),
                              "): a scenario is UTF-8 text (convert it, e.g. with iconv)")};
    i += 1;
    while (i < line.size() && (static_cast<unsigned char>(line[i]) & 0xc0) == 0x80)
      ++i;
  }
  return std::nullopt;
}

// What a statement holds in memory, roughly: its own size and its text (ParseLimits::max_bytes).
// The Chinese narration's string object is counted only when it holds text: the budget was set
// for statements without it (a 99,000-statement repeat, whose copies carry no narration, must
// still fit), and leaving out its empty object changes the most a scenario really holds by 32
// bytes per statement, 3.2 MB at 100,000 statements.
std::size_t held_bytes(const Statement& st) {
  std::size_t n = sizeof(Statement) - (st.narration_zh.empty() ? sizeof(std::string) : 0) +
                  st.thread.size() + st.assign.size() + st.source.size() + st.narration.size() +
                  st.narration_zh.size() + st.placed.size() * sizeof(int) + st.expect.text.size();
  for (const auto& a : st.args)
    n += sizeof(Arg) + a.name.size() + a.text.size();
  if (st.lists)
    for (const auto& list : *st.lists) {
      n += sizeof(list);
      for (const ListItem& item : list)
        n += sizeof(ListItem) + item.name.size() + item.text.size();
    }
  if (st.during)
    n += sizeof(Statement::During) + st.during->epoll.name.size() + st.during->epoll.text.size();
  for (std::size_t i = 0; i < st.expect.count(); ++i) {
    const Expectation& alt = st.expect.alternative(i);
    if (i > 0) n += sizeof(Expectation) + alt.text.size();
    for (const auto& e : alt.events)
      n += sizeof(ExpectedEvent) + e.name.size();
  }
  return n;
}

// The names a statement binds to fds when it runs: its output arguments (pipe(r, w)) and
// `name = call(...)`.
std::vector<std::string> bound_names(const Statement& st) {
  std::vector<std::string> out;
  if (st.kind != Statement::Kind::kCall) return out;
  const CallSpec& spec = call_spec(st.call);
  for (std::size_t i = 0; i < spec.args.size() && i < st.placed.size(); ++i)
    if (spec.args[i].kind == ArgKind::kNewFd && st.placed[i] >= 0)
      out.push_back(st.args[static_cast<std::size_t>(st.placed[i])].name);
  if (!st.assign.empty()) out.push_back(st.assign);
  return out;
}

uint64_t saturating_add(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
uint64_t saturating_mul(uint64_t a, uint64_t b) {
  return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

// An `all r` item holds, once the runners expand it, one entry per fd r has been bound to: it
// counts against ParseLimits::max_bytes as if those entries were written out one by one, so that
// `all` makes no scenario larger than writing the array by hand could.
uint64_t all_items_bytes(const Statement& st, const std::map<std::string, uint64_t>& bound) {
  uint64_t n = 0;
  if (st.lists)
    for (const auto& list : *st.lists)
      for (const ListItem& item : list)
        if (item.all)
          if (auto it = bound.find(item.name); it != bound.end())
            n = saturating_add(n, saturating_mul(it->second, sizeof(ListItem)));
  return n;
}

// "3.0 GB", "256 MiB": a size for a message.
std::string size_text(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 30)) return cat(bytes >> 30, " GiB");
  if (bytes >= (uint64_t{1} << 20)) return cat(bytes >> 20, " MiB");
  return cat(bytes, " bytes");
}

}  // namespace

std::string ParseError::format() const {
  if (line <= 0) return cat(printable(path), ": ", printable(message), "\n");
  std::string out = cat(printable(path), ":", line, ":", col, ": ", printable(message), "\n");
  const std::string shown = printable(source_line);
  out += cat(shown, "\n");
  // The caret goes under the column as shown: escapes and UTF-8 characters before it move it.
  const std::size_t before =
      std::min<std::size_t>(col > 0 ? static_cast<std::size_t>(col - 1) : 0, source_line.size());
  std::string caret;
  const std::string prefix = printable(std::string_view(source_line).substr(0, before));
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const unsigned char b = static_cast<unsigned char>(prefix[i]);
    if ((b & 0xc0) == 0x80) continue;  // a UTF-8 continuation byte: same column
    caret += b == '\t' ? '\t' : ' ';
  }
  out += caret + "^\n";
  return out;
}

std::variant<Expectation, ParseError> parse_answer(std::string_view text, CallId call,
                                                   const std::set<std::string>& names) {
  std::string line(text.substr(0, std::min<std::size_t>(text.size(), 4096)));
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.pop_back();
  if (text.size() > 4096) return ParseError{"answer", 1, 4097, "an answer is one short line", line};
  if (auto f = check_text(line)) return ParseError{"answer", 1, f->col, f->message, line};
  auto lexed = lex(line);
  if (auto* f = std::get_if<Failure>(&lexed))
    return ParseError{"answer", 1, f->col, f->message, line};
  std::set<std::string> known = names, threads;
  LineParser p(std::move(std::get<Lexed>(lexed).tokens), known, threads);
  Expectation e;
  if (auto f = p.answer(e, &call_spec(call)))
    return ParseError{"answer", 1, f->col, f->message, line};
  return e;
}

std::variant<Scenario, ParseError> parse_scenario(std::string_view text, const std::string& path,
                                                  const ParseLimits& limits) {
  Scenario sc;
  sc.path = path;
  sc.lines = split_lines(text);

  std::set<std::string> names, threads;
  std::string narration, narration_zh;
  Titles titles{sc.title, sc.title_zh};
  bool seen_statement = false;
  uint64_t held = 0;      // held_bytes of sc.statements, with their `all` items expanded
  uint64_t all_held = 0;  // what the `all` items count in `held` (all_items_bytes)
  // How many times each name has been bound so far, in the statements expanded so far.
  std::map<std::string, uint64_t> bound;
  struct Block {
    int64_t count;
    std::size_t first;  // index of the block's first statement
    uint64_t held;      // `held` when the block began
    uint64_t all_held;  // `all_held` when the block began
    int line;
    int col;  // of the count
  };
  std::vector<Block> blocks;
  for (std::size_t i = 0; i < sc.lines.size(); ++i) {
    const std::string& line = sc.lines[i];
    const int lineno = static_cast<int>(i) + 1;
    if (auto f = check_text(line)) return ParseError{path, lineno, f->col, f->message, line};
    std::string t = trim(line);
    if (t.empty()) continue;
    if (t[0] == '#') {
      // `#zh` (alone, or before a space or tab) starts the Chinese narration of the same statement;
      // any other `#` line is English. Both are joined the same way: an empty line is a paragraph.
      const bool zh = t.rfind("#zh", 0) == 0 && (t.size() == 3 || t[3] == ' ' || t[3] == '\t');
      // Chinese has no space at a line break: lines are joined with one only between two ASCII
      // characters (`EPOLLIN` at the end of a line and `EPOLLET` at the start of the next).
      std::string& into = zh ? narration_zh : narration;
      std::string n = trim(t.substr(zh ? 3 : 1));
      const bool spaced = !zh || (!into.empty() && !n.empty() && into.back() != '\n' &&
                                  static_cast<unsigned char>(into.back()) < 0x80 &&
                                  static_cast<unsigned char>(n.front()) < 0x80);
      into += into.empty() ? n : (n.empty() ? "\n" : (spaced ? " " : "") + n);
      continue;
    }
    if (t.rfind("//", 0) == 0) {
      if (!seen_statement) sc.header.push_back(line);
      continue;
    }
    auto lexed = lex(line);
    if (auto* f = std::get_if<Failure>(&lexed))
      return ParseError{path, lineno, f->col, f->message, line};
    Lexed& lx = std::get<Lexed>(lexed);
    const std::vector<Token>& toks = lx.tokens;
    if (toks[0].kind == Tok::kEnd) continue;  // only a ';'
    // Block and header lines: profile "NAME", repeat N ... end.
    if (toks[0].kind == Tok::kIdent && toks[0].text == "profile" && toks.size() >= 2 &&
        toks[1].kind == Tok::kString) {
      if (toks.size() > 3 || toks[2].kind != Tok::kEnd)
        return ParseError{path, lineno, toks[2].col, "unexpected text after the profile name",
                          line};
      if (!sc.profile.empty())
        return ParseError{path, lineno, toks[0].col, "the scenario already names a profile", line};
      if (!KernelProfile::by_name(toks[1].text)) {
        std::string known;
        for (const auto& kp : KernelProfile::all())
          known += (known.empty() ? "" : ", ") + kp.name;
        return ParseError{path, lineno, toks[1].col,
                          cat("unknown kernel profile \"", toks[1].text, "\" (known: ", known, ")"),
                          line};
      }
      sc.profile = toks[1].text;
      continue;
    }
    if (toks[0].kind == Tok::kIdent && toks[0].text == "repeat" && toks[1].kind == Tok::kNumber) {
      if (toks[2].kind != Tok::kEnd)
        return ParseError{path, lineno, toks[2].col, "a repeat line holds only the count: repeat N",
                          line};
      if (toks[1].above_int64 || toks[1].number < 1 || toks[1].number > 100000)
        return ParseError{path, lineno, toks[1].col,
                          "the repeat count must be between 1 and 100000", line};
      blocks.push_back(
          Block{toks[1].number, sc.statements.size(), held, all_held, lineno, toks[1].col});
      continue;
    }
    if (toks[0].kind == Tok::kIdent && toks[0].text == "end" && toks[1].kind == Tok::kEnd) {
      if (blocks.empty())
        return ParseError{path, lineno, toks[0].col, "'end' without a 'repeat'", line};
      Block b = blocks.back();
      blocks.pop_back();
      const std::string& repeat_line = sc.lines[static_cast<std::size_t>(b.line) - 1];
      if (b.first == sc.statements.size())
        return ParseError{path, b.line, 1, "this repeat block has no statements", repeat_line};
      // Nested blocks multiply: check what the expansion would hold before making it. The body
      // has at most max_statements statements and the count is at most 100000, so nothing here
      // overflows 64 bits.
      const uint64_t count = static_cast<uint64_t>(b.count);
      const uint64_t body = sc.statements.size() - b.first;
      const uint64_t total = b.first + body * count;
      // An `all r` item of the body grows from one iteration to the next when the body binds r:
      // in iteration k (the first is 0) it passes at most bound[r] + k * (the body's bindings of
      // r) fds, bound[r] counted after the first iteration.
      std::map<std::string, uint64_t> body_binds;
      for (std::size_t k = b.first; k < sc.statements.size(); ++k)
        for (const std::string& n : bound_names(sc.statements[k]))
          ++body_binds[n];
      uint64_t copies_all_held = 0;  // what the all items of the copies hold, at most
      for (std::size_t k = b.first; k < sc.statements.size(); ++k)
        if (const Statement& st = sc.statements[k]; st.lists)
          for (const auto& list : *st.lists)
            for (const ListItem& item : list) {
              if (!item.all) continue;
              const uint64_t grows = body_binds.count(item.name) ? body_binds[item.name] : 0;
              const uint64_t fds = saturating_add(saturating_mul(count - 1, bound[item.name]),
                                                  saturating_mul(grows, count * (count - 1) / 2));
              copies_all_held =
                  saturating_add(copies_all_held, saturating_mul(fds, sizeof(ListItem)));
            }
      const uint64_t body_held = held - b.held;
      const uint64_t body_all_held = all_held - b.all_held;
      const uint64_t total_held = saturating_add(
          b.held + body_held + (body_held - body_all_held) * (count - 1), copies_all_held);
      if (total > limits.max_statements)
        return ParseError{path, b.line, b.col,
                          cat("repeating this block ", count, " times makes ", total,
                              " statements; a scenario may have at most ", limits.max_statements,
                              " (count every repeat of nested blocks)"),
                          repeat_line};
      if (total_held > limits.max_bytes)
        return ParseError{path, b.line, b.col,
                          cat("repeating this block ", count, " times makes the scenario hold ",
                              size_text(total_held), "; a scenario may hold at most ",
                              size_text(limits.max_bytes)),
                          repeat_line};
      // Each iteration runs the body again; names defined in the body are bound anew each time.
      std::vector<Statement> body_copy(sc.statements.begin() + static_cast<long>(b.first),
                                       sc.statements.end());
      for (auto& st : body_copy) {
        st.narration.clear();
        st.narration_zh.clear();
      }
      uint64_t copy_held = 0;
      for (const auto& st : body_copy)
        copy_held += held_bytes(st);
      sc.statements.reserve(total);
      for (uint64_t it = 1; it < count; ++it)
        for (const auto& st : body_copy)
          sc.statements.push_back(st);
      held += copy_held * (count - 1) + copies_all_held;
      all_held += copies_all_held;
      for (const auto& [n, binds] : body_binds)
        bound[n] += binds * (count - 1);
      continue;
    }
    Statement st;
    st.loc.line = lineno;
    st.source = trim(line.substr(0, lx.code_end));
    LineParser p(std::move(lx.tokens), names, threads);
    const bool had_title_zh = titles.has_title_zh;
    if (auto f = p.statement(st, titles)) return ParseError{path, lineno, f->col, f->message, line};
    if (!had_title_zh && titles.has_title_zh) titles.title_zh_line = lineno;
    if (p.is_title()) continue;
    seen_statement = true;
    st.narration = std::move(narration);
    narration.clear();
    st.narration_zh = std::move(narration_zh);
    narration_zh.clear();
    const uint64_t expanded = all_items_bytes(st, bound);
    held = saturating_add(held, saturating_add(held_bytes(st), expanded));
    all_held = saturating_add(all_held, expanded);
    for (const std::string& n : bound_names(st))
      ++bound[n];
    if (sc.statements.size() + 1 > limits.max_statements || held > limits.max_bytes)
      return ParseError{
          path, lineno, st.loc.col,
          cat("the scenario is too large: it may have at most ", limits.max_statements,
              " statements holding ", size_text(limits.max_bytes)),
          line};
    sc.statements.push_back(std::move(st));
  }
  if (!blocks.empty())
    return ParseError{path, blocks.back().line, 1, "this repeat block has no 'end'",
                      sc.lines[static_cast<std::size_t>(blocks.back().line) - 1]};
  if (titles.has_title_zh && !titles.has_title) {
    const std::string& at = sc.lines[static_cast<std::size_t>(titles.title_zh_line) - 1];
    return ParseError{path, titles.title_zh_line, static_cast<int>(at.find("title_zh")) + 1,
                      "title_zh translates the title: the scenario needs a title \"...\" too", at};
  }
  if (sc.statements.empty()) {
    // At the last line (the first of an empty file): where a statement would have to be added.
    const std::size_t last = sc.lines.empty() ? 0 : sc.lines.size() - 1;
    return ParseError{path, static_cast<int>(last) + 1, 1, "the scenario has no statements",
                      sc.lines.empty() ? std::string() : sc.lines[last]};
  }
  return sc;
}

}  // namespace epollscope::sim::script
