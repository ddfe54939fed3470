// SPDX-License-Identifier: GPL-2.0-only
// sim/script/parser.cpp — a hand-written lexer and recursive-descent parser, one line at a time.
//
// [SECTION] tokens and the lexer
// [SECTION] one line: statements, arguments, expectations (LineParser)
// [SECTION] the file: title, narration, repeat blocks, profile, errors with file:line:col
#include "sim/script/parser.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "sim/profile.h"
#include "sim/script/calls.h"
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

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier, string contents, or the characters as written
  int64_t number = 0;
  int col = 0;  // 1-based
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

struct Failure {
  int col;
  std::string message;
};

// Splits one line into tokens; `//` starts a comment that runs to the end of the line.
std::variant<std::vector<Token>, Failure> lex(const std::string& line) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    Token t;
    t.col = static_cast<int>(i) + 1;
    if (c == '/' && i + 1 < line.size() && line[i + 1] == '/') break;
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
      std::size_t j = i + (c == '-' ? 1 : 0);
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
      uint64_t v = 0;
      for (std::size_t k = start; k < j; ++k) {
        int d = std::isdigit(static_cast<unsigned char>(line[k]))
                    ? line[k] - '0'
                    : std::tolower(line[k]) - 'a' + 10;
        if (v > (~uint64_t{0} - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
          return Failure{t.col, "this number is too large"};
        v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
      }
      t.kind = Tok::kNumber;
      t.number = c == '-' ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
      t.text = line.substr(i, j - i);
      i = j;
    } else if (c == '"') {
      std::size_t j = i + 1;
      std::string s;
      bool closed = false;
      while (j < line.size()) {
        if (line[j] == '\\' && j + 1 < line.size()) {
          char e = line[j + 1];
          s += e == 'n' ? '\n' : e == 't' ? '\t' : e;
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
        default:
          return Failure{t.col, cat("unexpected character '", std::string(1, c), "'")};
      }
      t.text = std::string(1, c);
      ++i;
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.kind = Tok::kEnd;
  end.col = static_cast<int>(line.size()) + 1;
  out.push_back(end);
  return out;
}

bool looks_like_constant(const std::string& s) {
  if (s.empty() || !std::isupper(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!(std::isupper(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] one line: statements, arguments, expectations (LineParser)
// ---------------------------------------------------------------------------------------------

class LineParser {
 public:
  LineParser(std::vector<Token> toks, std::set<std::string>& names, std::set<std::string>& threads)
      : t_(std::move(toks)), names_(names), threads_(threads) {}

  // The line was the scenario's title, not a statement.
  bool is_title() const { return is_title_; }

  // Fills `st`; throws nothing: failures are returned.
  std::optional<Failure> statement(Statement& st, std::string& title, bool& has_title) {
    if (peek().kind == Tok::kIdent && peek().text == "title" && peek(1).kind == Tok::kString) {
      if (has_title) return Failure{peek().col, "the scenario already has a title"};
      next();
      title = next().text;
      has_title = true;
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
      next();
      st.kind = Statement::Kind::kThreadResult;
      st.thread = name.text;
      st.loc.col = name.col;
      if (auto f = expectation(st.expect, nullptr)) return f;
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
      return Failure{call.col, cat("unknown call '", call.text, "'")};
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
        if (auto f = argument(a)) return f;
        st.args.push_back(std::move(a));
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
        if (auto f = check_arg(st.args[static_cast<std::size_t>(st.placed[i])], spec->args[i].kind,
                               *spec, defined_here))
          return f;
    for (const auto& n : defined_here)
      names_.insert(n);
    if (!st.assign.empty()) names_.insert(st.assign);
    if (st.thread != "main") threads_.insert(st.thread);

    if (peek().kind == Tok::kArrow) {
      Token arrow = next();
      if (auto f = expectation(st.expect, spec)) return f;
      (void)arrow;
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
                     cat("unexpected ", tok_name(peek().kind),
                         peek().text.empty() ? std::string() : cat(" '", peek().text, "'"),
                         " after the end of the statement")};
    return std::nullopt;
  }

  // flags := term { '|' term }
  std::optional<Failure> flags_expr(int64_t& value, std::string& text) {
    value = 0;
    while (true) {
      Token t = next();
      if (t.kind == Tok::kNumber) {
        value |= t.number;
      } else if (t.kind == Tok::kIdent) {
        auto c = constant_from_name(t.text);
        if (!c) {
          if (names_.count(t.text))
            return Failure{t.col, cat("'", t.text, "' is an fd name, not a flag")};
          return Failure{t.col, cat("unknown flag '", t.text, "'")};
        }
        value |= *c;
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

  std::optional<Failure> argument(Arg& a) {
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
    if (t.kind == Tok::kIdent && !constant_from_name(t.text) && peek(1).kind != Tok::kPipe) {
      a.kind = Arg::Kind::kName;
      a.name = next().text;
      a.text = a.name;
      return std::nullopt;
    }
    if (t.kind == Tok::kIdent || t.kind == Tok::kNumber) {
      a.kind = Arg::Kind::kNumber;
      return flags_expr(a.number, a.text);
    }
    return Failure{t.col, cat("an argument is expected, not ", tok_name(t.kind))};
  }

  std::optional<Failure> check_arg(Arg& a, ArgKind kind, const CallSpec& spec,
                                   std::vector<std::string>& defined_here) {
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
            return Failure{a.loc.col, cat("unknown flag '", a.name, "'")};
          return Failure{a.loc.col, cat("undefined name '", a.name, "'")};
        }
        return std::nullopt;
      case ArgKind::kInt:
      case ArgKind::kFlags:
        if (a.kind == Arg::Kind::kNumber) return std::nullopt;
        if (a.kind == Arg::Kind::kName) {
          if (looks_like_constant(a.name))
            return Failure{a.loc.col, cat("unknown flag '", a.name, "'")};
          if (names_.count(a.name))
            return Failure{a.loc.col,
                           cat("'", a.name, "' is an fd name; a number",
                               kind == ArgKind::kFlags ? " or flags" : "", " is expected here")};
          return Failure{a.loc.col, cat("undefined name '", a.name, "'")};
        }
        return Failure{a.loc.col, "a number is expected here"};
      case ArgKind::kFlagsOrNull:
        if (a.kind == Arg::Kind::kNull) return std::nullopt;
        return check_arg(a, ArgKind::kFlags, spec, defined_here);
      case ArgKind::kBytes:
        if (a.kind == Arg::Kind::kString) return std::nullopt;
        return check_arg(a, ArgKind::kInt, spec, defined_here);
      case ArgKind::kBuffer:
        if (a.kind == Arg::Kind::kNull || (a.kind == Arg::Kind::kName && a.name == "events"))
          return std::nullopt;
        return Failure{a.loc.col, "the events buffer is written `events` (a valid buffer) or NULL"};
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
    if (t.kind == Tok::kNumber) {
      Token n = next();
      if (n.number == -1 && peek().kind == Tok::kIdent) {
        Token err = next();
        auto v = errno_from_name(err.text);
        if (!v) return Failure{err.col, cat("unknown errno '", err.text, "'")};
        e.kind = Expectation::Kind::kError;
        e.err = *v;
        e.text = cat("-1 ", err.text);
        return std::nullopt;
      }
      if (n.number == -1)
        return Failure{peek().col, "an errno name is expected after -1, e.g. => -1 EAGAIN"};
      if (n.number < 0) return Failure{n.col, "a result is a count, a value or -1 with an errno"};
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
        if (who.kind == Tok::kIdent) {
          if (!names_.count(who.text))
            return Failure{who.col, cat("undefined name '", who.text, "'")};
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
        if (auto f = flags_expr(mask, text)) return f;
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
  std::size_t pos_ = 0;
  std::set<std::string>& names_;
  std::set<std::string>& threads_;
  bool is_title_ = false;
};

// ---------------------------------------------------------------------------------------------
// [SECTION] the file: title, narration, repeat blocks, profile, errors with file:line:col
// ---------------------------------------------------------------------------------------------

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string ParseError::format() const {
  std::string out = cat(path, ":", line, ":", col, ": ", message, "\n");
  if (line > 0) {
    out += cat(source_line, "\n");
    std::string caret;
    for (int i = 1; i < col && i <= static_cast<int>(source_line.size()); ++i)
      caret += source_line[i - 1] == '\t' ? '\t' : ' ';
    out += caret + "^\n";
  }
  return out;
}

std::variant<Scenario, ParseError> parse_scenario(std::string_view text, const std::string& path) {
  Scenario sc;
  sc.path = path;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    sc.lines.emplace_back(text.substr(start, nl - start));
    if (!sc.lines.back().empty() && sc.lines.back().back() == '\r') sc.lines.back().pop_back();
    start = nl + 1;
    if (nl == text.size()) break;
  }
  if (!sc.lines.empty() && sc.lines.back().empty()) sc.lines.pop_back();

  std::set<std::string> names, threads;
  std::string narration;
  bool has_title = false;
  bool seen_statement = false;
  struct Block {
    int64_t count;
    std::size_t first;  // index of the block's first statement
    int line;
  };
  std::vector<Block> blocks;
  for (std::size_t i = 0; i < sc.lines.size(); ++i) {
    const std::string& line = sc.lines[i];
    const int lineno = static_cast<int>(i) + 1;
    std::string t = trim(line);
    if (t.empty()) continue;
    if (t[0] == '#') {
      std::string n = trim(t.substr(1));
      narration += narration.empty() ? n : (n.empty() ? "\n" : " " + n);
      continue;
    }
    if (t.rfind("//", 0) == 0) {
      if (!seen_statement) sc.header.push_back(line);
      continue;
    }
    auto lexed = lex(line);
    if (auto* f = std::get_if<Failure>(&lexed))
      return ParseError{path, lineno, f->col, f->message, line};
    // Block and header lines: profile "NAME", repeat N ... end.
    const std::vector<Token>& toks = std::get<std::vector<Token>>(lexed);
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
      if (toks[1].number < 1 || toks[1].number > 100000)
        return ParseError{path, lineno, toks[1].col,
                          "the repeat count must be between 1 and 100000", line};
      blocks.push_back(Block{toks[1].number, sc.statements.size(), lineno});
      continue;
    }
    if (toks[0].kind == Tok::kIdent && toks[0].text == "end" && toks[1].kind == Tok::kEnd) {
      if (blocks.empty())
        return ParseError{path, lineno, toks[0].col, "'end' without a 'repeat'", line};
      Block b = blocks.back();
      blocks.pop_back();
      if (b.first == sc.statements.size())
        return ParseError{path, b.line, 1, "this repeat block has no statements",
                          sc.lines[static_cast<std::size_t>(b.line) - 1]};
      // Each iteration runs the body again; names defined in the body are bound anew each time.
      std::vector<Statement> body(sc.statements.begin() + static_cast<long>(b.first),
                                  sc.statements.end());
      for (auto& st : body)
        st.narration.clear();
      for (int64_t it = 1; it < b.count; ++it)
        for (const auto& st : body)
          sc.statements.push_back(st);
      continue;
    }
    Statement st;
    st.loc.line = lineno;
    st.source =
        trim(line.substr(0, line.find("//") == std::string::npos ? line.size() : line.find("//")));
    LineParser p(std::move(std::get<std::vector<Token>>(lexed)), names, threads);
    if (auto f = p.statement(st, sc.title, has_title))
      return ParseError{path, lineno, f->col, f->message, line};
    if (p.is_title()) continue;
    seen_statement = true;
    st.narration = std::move(narration);
    narration.clear();
    sc.statements.push_back(std::move(st));
  }
  if (!blocks.empty())
    return ParseError{path, blocks.back().line, 1, "this repeat block has no 'end'",
                      sc.lines[static_cast<std::size_t>(blocks.back().line) - 1]};
  if (sc.statements.empty())
    return ParseError{path, static_cast<int>(sc.lines.size()), 1, "the scenario has no statements",
                      ""};
  return sc;
}

}  // namespace epollscope::sim::script
