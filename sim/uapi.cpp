// SPDX-License-Identifier: GPL-2.0-only
#include "sim/uapi.h"

#include <array>
#include <cstdio>
#include <utility>

#include "sim/strings.h"

namespace epollscope::sim {
namespace {

struct NamedErrno {
  int value;
  const char* name;
};

constexpr std::array kErrnos{
    NamedErrno{kEPERM, "EPERM"},
    NamedErrno{kENOENT, "ENOENT"},
    NamedErrno{kEINTR, "EINTR"},
    NamedErrno{kEBADF, "EBADF"},
    NamedErrno{kEAGAIN, "EAGAIN"},
    NamedErrno{kENOMEM, "ENOMEM"},
    NamedErrno{kEFAULT, "EFAULT"},
    NamedErrno{kEEXIST, "EEXIST"},
    NamedErrno{kENODEV, "ENODEV"},
    NamedErrno{kEINVAL, "EINVAL"},
    NamedErrno{kENFILE, "ENFILE"},
    NamedErrno{kEMFILE, "EMFILE"},
    NamedErrno{kENOSPC, "ENOSPC"},
    NamedErrno{kESPIPE, "ESPIPE"},
    NamedErrno{kEPIPE, "EPIPE"},
    NamedErrno{kELOOP, "ELOOP"},
    NamedErrno{kENOTSOCK, "ENOTSOCK"},
    NamedErrno{kENOPROTOOPT, "ENOPROTOOPT"},
    NamedErrno{kEOPNOTSUPP, "EOPNOTSUPP"},
    NamedErrno{kEADDRINUSE, "EADDRINUSE"},
    NamedErrno{kECONNABORTED, "ECONNABORTED"},
    NamedErrno{kECONNRESET, "ECONNRESET"},
    NamedErrno{kEISCONN, "EISCONN"},
    NamedErrno{kENOTCONN, "ENOTCONN"},
    NamedErrno{kECONNREFUSED, "ECONNREFUSED"},
    NamedErrno{kEALREADY, "EALREADY"},
    NamedErrno{kEINPROGRESS, "EINPROGRESS"},
    NamedErrno{kETIMEDOUT, "ETIMEDOUT"},
    NamedErrno{kEBUSY, "EBUSY"},
    NamedErrno{kENOTTY, "ENOTTY"},
    NamedErrno{kENOPKG, "ENOPKG"},
};

struct NamedBit {
  poll_t bit;
  const char* short_name;
};

constexpr std::array kBits{
    NamedBit{kEPOLLIN, "IN"},
    NamedBit{kEPOLLPRI, "PRI"},
    NamedBit{kEPOLLOUT, "OUT"},
    NamedBit{kEPOLLERR, "ERR"},
    NamedBit{kEPOLLHUP, "HUP"},
    NamedBit{kEPOLLNVAL, "NVAL"},
    NamedBit{kEPOLLRDNORM, "RDNORM"},
    NamedBit{kEPOLLRDBAND, "RDBAND"},
    NamedBit{kEPOLLWRNORM, "WRNORM"},
    NamedBit{kEPOLLWRBAND, "WRBAND"},
    NamedBit{kEPOLLMSG, "MSG"},
    NamedBit{kEPOLLRDHUP, "RDHUP"},
    NamedBit{kEPOLLEXCLUSIVE, "EXCLUSIVE"},
    NamedBit{kEPOLLWAKEUP, "WAKEUP"},
    NamedBit{kEPOLLONESHOT, "ONESHOT"},
    NamedBit{kEPOLLET, "ET"},
};

struct NamedConstant {
  const char* name;
  int64_t value;
};

constexpr std::array kConstants{
    NamedConstant{"EPOLLIN", kEPOLLIN},
    NamedConstant{"EPOLLPRI", kEPOLLPRI},
    NamedConstant{"EPOLLOUT", kEPOLLOUT},
    NamedConstant{"EPOLLERR", kEPOLLERR},
    NamedConstant{"EPOLLHUP", kEPOLLHUP},
    NamedConstant{"EPOLLNVAL", kEPOLLNVAL},
    NamedConstant{"EPOLLRDNORM", kEPOLLRDNORM},
    NamedConstant{"EPOLLRDBAND", kEPOLLRDBAND},
    NamedConstant{"EPOLLWRNORM", kEPOLLWRNORM},
    NamedConstant{"EPOLLWRBAND", kEPOLLWRBAND},
    NamedConstant{"EPOLLMSG", kEPOLLMSG},
    NamedConstant{"EPOLLRDHUP", kEPOLLRDHUP},
    NamedConstant{"EPOLLEXCLUSIVE", kEPOLLEXCLUSIVE},
    NamedConstant{"EPOLLWAKEUP", kEPOLLWAKEUP},
    NamedConstant{"EPOLLONESHOT", kEPOLLONESHOT},
    NamedConstant{"EPOLLET", static_cast<int64_t>(kEPOLLET)},
    // poll(2)'s names for the same bits (include/uapi/asm-generic/poll.h).
    NamedConstant{"POLLIN", kEPOLLIN},
    NamedConstant{"POLLPRI", kEPOLLPRI},
    NamedConstant{"POLLOUT", kEPOLLOUT},
    NamedConstant{"POLLERR", kEPOLLERR},
    NamedConstant{"POLLHUP", kEPOLLHUP},
    NamedConstant{"POLLNVAL", kEPOLLNVAL},
    NamedConstant{"POLLRDNORM", kEPOLLRDNORM},
    NamedConstant{"POLLRDBAND", kEPOLLRDBAND},
    NamedConstant{"POLLWRNORM", kEPOLLWRNORM},
    NamedConstant{"POLLWRBAND", kEPOLLWRBAND},
    NamedConstant{"POLLMSG", kEPOLLMSG},
    NamedConstant{"POLLRDHUP", kEPOLLRDHUP},
    // The result sets of select, as the scenario language names them (sim/select.h).
    NamedConstant{"readfds", 0x1},
    NamedConstant{"writefds", 0x4},
    NamedConstant{"exceptfds", 0x2},
    NamedConstant{"EPOLL_CTL_ADD", kEPOLL_CTL_ADD},
    NamedConstant{"EPOLL_CTL_DEL", kEPOLL_CTL_DEL},
    NamedConstant{"EPOLL_CTL_MOD", kEPOLL_CTL_MOD},
    NamedConstant{"EPOLL_CLOEXEC", kEPOLL_CLOEXEC},
    NamedConstant{"O_NONBLOCK", kO_NONBLOCK},
    NamedConstant{"O_CLOEXEC", kO_CLOEXEC},
    NamedConstant{"O_DIRECT", kO_DIRECT},
    NamedConstant{"EFD_SEMAPHORE", kEFD_SEMAPHORE},
    NamedConstant{"EFD_NONBLOCK", kEFD_NONBLOCK},
    NamedConstant{"EFD_CLOEXEC", kEFD_CLOEXEC},
    NamedConstant{"SOCK_NONBLOCK", kSOCK_NONBLOCK},
    NamedConstant{"SOCK_CLOEXEC", kSOCK_CLOEXEC},
    NamedConstant{"SHUT_RD", kSHUT_RD},
    NamedConstant{"SHUT_WR", kSHUT_WR},
    NamedConstant{"SHUT_RDWR", kSHUT_RDWR},
    NamedConstant{"MSG_PEEK", kMSG_PEEK},
    NamedConstant{"MSG_DONTWAIT", kMSG_DONTWAIT},
    NamedConstant{"O_RDONLY", kO_RDONLY},
    NamedConstant{"O_WRONLY", kO_WRONLY},
    NamedConstant{"O_RDWR", kO_RDWR},
    NamedConstant{"O_APPEND", kO_APPEND},
    NamedConstant{"O_ASYNC", kO_ASYNC},
    NamedConstant{"O_LARGEFILE", kO_LARGEFILE},
    NamedConstant{"O_NOATIME", kO_NOATIME},
    NamedConstant{"O_TMPFILE", kO_TMPFILE},
    NamedConstant{"O_NOTIFICATION_PIPE", kO_NOTIFICATION_PIPE},
    NamedConstant{"F_GETFD", kF_GETFD},
    NamedConstant{"F_SETFD", kF_SETFD},
    NamedConstant{"F_GETFL", kF_GETFL},
    NamedConstant{"F_SETFL", kF_SETFL},
    NamedConstant{"FD_CLOEXEC", kFD_CLOEXEC},
    NamedConstant{"F_SETPIPE_SZ", kF_SETPIPE_SZ},
    NamedConstant{"F_GETPIPE_SZ", kF_GETPIPE_SZ},
    NamedConstant{"FIONREAD", kFIONREAD},
    NamedConstant{"FIONBIO", kFIONBIO},
    NamedConstant{"MSG_OOB", kMSG_OOB},
    NamedConstant{"MSG_WAITALL", kMSG_WAITALL},
    NamedConstant{"MSG_MORE", kMSG_MORE},
    NamedConstant{"SOL_SOCKET", kSOL_SOCKET},
    NamedConstant{"IPPROTO_TCP", kIPPROTO_TCP},
    NamedConstant{"SO_SNDBUF", kSO_SNDBUF},
    NamedConstant{"SO_RCVBUF", kSO_RCVBUF},
    NamedConstant{"TCP_NODELAY", kTCP_NODELAY},
    NamedConstant{"TCP_CORK", kTCP_CORK},
};

std::string join_bits(poll_t mask, const char* prefix) {
  if (mask == 0) return "0";
  std::string out;
  poll_t rest = mask;
  for (const auto& bit : kBits) {
    if (!(mask & bit.bit)) continue;
    if (!out.empty()) out += '|';
    out += prefix;
    out += bit.short_name;
    rest &= ~bit.bit;
  }
  if (rest) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%x", rest);
    if (!out.empty()) out += '|';
    out += hex;
  }
  return out;
}

}  // namespace

std::string errno_name(int err) {
  for (const auto& e : kErrnos)
    if (e.value == err) return e.name;
  return "E" + std::to_string(err);
}

std::optional<int> errno_from_name(std::string_view name) {
  for (const auto& e : kErrnos)
    if (name == e.name) return e.value;
  return std::nullopt;
}

std::string mask_to_string(poll_t mask) {
  return join_bits(mask, "");
}
std::string mask_to_c_names(poll_t mask) {
  return join_bits(mask, "EPOLL");
}
std::string mask_to_poll_names(poll_t mask) {
  return join_bits(mask, "POLL");
}
std::string select_sets_names(poll_t sets) {
  if (sets == 0) return "0";
  std::string out;
  for (const auto& [bit, name] :
       {std::pair<poll_t, const char*>{0x1, "readfds"}, {0x4, "writefds"}, {0x2, "exceptfds"}})
    if (sets & bit) out += cat(out.empty() ? "" : "|", name);
  if (sets & ~poll_t{0x7}) out += cat(out.empty() ? "" : "|", hex(sets & ~poll_t{0x7}));
  return out;
}

std::optional<int64_t> constant_from_name(std::string_view name) {
  for (const auto& c : kConstants)
    if (name == c.name) return c.value;
  return std::nullopt;
}

std::vector<std::string_view> errno_names() {
  std::vector<std::string_view> out;
  for (const auto& e : kErrnos)
    out.emplace_back(e.name);
  return out;
}

std::vector<std::string_view> constant_names() {
  std::vector<std::string_view> out;
  for (const auto& c : kConstants)
    out.emplace_back(c.name);
  return out;
}

}  // namespace epollscope::sim
