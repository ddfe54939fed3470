// SPDX-License-Identifier: GPL-2.0-only
// sim/uapi.h — the user-space ABI the model speaks: epoll event bits, epoll_ctl operations,
// open flags, socket constants and errno numbers, with the values of Linux on x86-64.
//
// The model must not include <sys/epoll.h>, <fcntl.h> or <errno.h>'s macros would collide with
// plain names, so every constant here is the C name with a `k` in front (kEPOLLIN, kEBADF,
// kO_NONBLOCK). The live backend static_asserts that these values equal the system headers'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace epollscope::sim {

using poll_t = uint32_t;  // __poll_t: a set of EPOLL* bits

// include/uapi/linux/eventpoll.h
inline constexpr poll_t kEPOLLIN = 0x00000001;
inline constexpr poll_t kEPOLLPRI = 0x00000002;
inline constexpr poll_t kEPOLLOUT = 0x00000004;
inline constexpr poll_t kEPOLLERR = 0x00000008;
inline constexpr poll_t kEPOLLHUP = 0x00000010;
inline constexpr poll_t kEPOLLNVAL = 0x00000020;
inline constexpr poll_t kEPOLLRDNORM = 0x00000040;
inline constexpr poll_t kEPOLLRDBAND = 0x00000080;
inline constexpr poll_t kEPOLLWRNORM = 0x00000100;
inline constexpr poll_t kEPOLLWRBAND = 0x00000200;
inline constexpr poll_t kEPOLLMSG = 0x00000400;
inline constexpr poll_t kEPOLLRDHUP = 0x00002000;
inline constexpr poll_t kEPOLL_URING_WAKE = 1u << 27;  // internal: wake-up came from io_uring
inline constexpr poll_t kEPOLLEXCLUSIVE = 1u << 28;
inline constexpr poll_t kEPOLLWAKEUP = 1u << 29;
inline constexpr poll_t kEPOLLONESHOT = 1u << 30;
inline constexpr poll_t kEPOLLET = 1u << 31;
// POLLFREE: key of the wake-up a file sends when its wait queue is about to be freed.
inline constexpr poll_t kPOLLFREE = 0x4000;

// struct epoll_event: the user's interest mask (plus EPOLLERR|EPOLLHUP and private bits once
// stored) and the opaque data returned with each event.
struct EpollEvent {
  poll_t events = 0;
  uint64_t data = 0;
  friend bool operator==(const EpollEvent&, const EpollEvent&) = default;
};

inline constexpr int kEPOLL_CTL_ADD = 1;
inline constexpr int kEPOLL_CTL_DEL = 2;
inline constexpr int kEPOLL_CTL_MOD = 3;

// fcntl.h (x86-64 octal values)
inline constexpr int kO_RDONLY = 00;
inline constexpr int kO_WRONLY = 01;
inline constexpr int kO_RDWR = 02;
inline constexpr int kO_ACCMODE = 03;
inline constexpr int kO_NONBLOCK = 04000;
inline constexpr int kO_DIRECT = 040000;
inline constexpr int kO_CLOEXEC = 02000000;
inline constexpr int kO_APPEND = 02000;
inline constexpr int kO_ASYNC = 020000;  // FASYNC
inline constexpr int kO_LARGEFILE = 0100000;
inline constexpr int kO_DIRECTORY = 0200000;
inline constexpr int kO_NOATIME = 01000000;
inline constexpr int kO_TMPFILE = 020000000 | kO_DIRECTORY;  // __O_TMPFILE | O_DIRECTORY
// pipe2's O_NOTIFICATION_PIPE (= O_EXCL): a watch-queue pipe, only with CONFIG_WATCH_QUEUE.
inline constexpr int kO_NOTIFICATION_PIPE = 0200;
// fcntl commands (include/uapi/asm-generic/fcntl.h, linux/fcntl.h) and ioctl requests (x86-64).
inline constexpr int kF_GETFD = 1;
inline constexpr int kF_SETFD = 2;
inline constexpr int kF_GETFL = 3;
inline constexpr int kF_SETFL = 4;
inline constexpr int kFD_CLOEXEC = 1;
// close_range(2) flags (linux/close_range.h).
inline constexpr unsigned kCLOSE_RANGE_UNSHARE = 1u << 1;
inline constexpr unsigned kCLOSE_RANGE_CLOEXEC = 1u << 2;
inline constexpr int kF_SETPIPE_SZ = 1031;
inline constexpr int kF_GETPIPE_SZ = 1032;
inline constexpr int kFIONREAD = 0x541B;
inline constexpr int kFIONBIO = 0x5421;
inline constexpr int kEPOLL_CLOEXEC = kO_CLOEXEC;
inline constexpr int kEFD_SEMAPHORE = 1;
inline constexpr int kEFD_NONBLOCK = kO_NONBLOCK;
inline constexpr int kEFD_CLOEXEC = kO_CLOEXEC;
inline constexpr int kSOCK_NONBLOCK = kO_NONBLOCK;
inline constexpr int kSOCK_CLOEXEC = kO_CLOEXEC;

inline constexpr int kSHUT_RD = 0;
inline constexpr int kSHUT_WR = 1;
inline constexpr int kSHUT_RDWR = 2;

inline constexpr int kMSG_PEEK = 0x2;
inline constexpr int kMSG_DONTWAIT = 0x40;
inline constexpr int kMSG_OOB = 0x1;
inline constexpr int kMSG_WAITALL = 0x100;
inline constexpr int kMSG_MORE = 0x8000;

// setsockopt/getsockopt levels and options (asm-generic/socket.h, linux/tcp.h).
inline constexpr int kSOL_SOCKET = 1;
inline constexpr int kIPPROTO_TCP = 6;
inline constexpr int kSO_SNDBUF = 7;
inline constexpr int kSO_RCVBUF = 8;
inline constexpr int kTCP_NODELAY = 1;
inline constexpr int kTCP_CORK = 3;

// asm-generic/errno-base.h, errno.h
inline constexpr int kEPERM = 1;
inline constexpr int kENOENT = 2;
inline constexpr int kEINTR = 4;
inline constexpr int kEBADF = 9;
inline constexpr int kEAGAIN = 11;
inline constexpr int kENOMEM = 12;
inline constexpr int kEFAULT = 14;
inline constexpr int kEBUSY = 16;
inline constexpr int kEEXIST = 17;
inline constexpr int kENODEV = 19;
inline constexpr int kEINVAL = 22;
inline constexpr int kENFILE = 23;
inline constexpr int kEMFILE = 24;
inline constexpr int kENOTTY = 25;
inline constexpr int kENOSPC = 28;
inline constexpr int kESPIPE = 29;
inline constexpr int kEPIPE = 32;
inline constexpr int kELOOP = 40;
inline constexpr int kENOPKG = 65;
inline constexpr int kENOTSOCK = 88;
inline constexpr int kENOPROTOOPT = 92;
inline constexpr int kEOPNOTSUPP = 95;
inline constexpr int kEADDRINUSE = 98;
inline constexpr int kECONNABORTED = 103;
inline constexpr int kECONNRESET = 104;
inline constexpr int kEISCONN = 106;
inline constexpr int kENOTCONN = 107;
inline constexpr int kETIMEDOUT = 110;
inline constexpr int kECONNREFUSED = 111;
inline constexpr int kEALREADY = 114;
inline constexpr int kEINPROGRESS = 115;
// include/linux/errno.h: kernel-internal. A sleep interrupted by a signal returns it; on the way
// back to user space handle_signal turns it into EINTR (no SA_RESTART) or restarts the call.
inline constexpr int kERESTARTSYS = 512;

inline constexpr int kEP_MAX_NESTS = 4;  // eventpoll.c: chains of at most 4 epoll→epoll links
// INT_MAX / sizeof(struct epoll_event); the struct is packed to 12 bytes on x86-64.
inline constexpr int kEP_MAX_EVENTS = 2147483647 / 12;

// The user buffer of read, write, send and recv. TASK_SIZE_MAX: the top of user space (x86-64,
// 4-level paging); access_ok(buf, n) holds while buf + n stays at or below it. MAX_RW_COUNT
// (INT_MAX & PAGE_MASK): the most one read or write moves. A scenario's byte count is the size of
// a buffer that starts at kUserBuffer — the live child maps its buffer there — so a count above
// kTASK_SIZE_MAX - kUserBuffer (-1 among them) fails access_ok, on the model as in the kernel.
// 32 TiB: below where executables and mmap go, above AddressSanitizer's shadow (which ends near
// 16 TiB), so a sanitizer build maps it too.
inline constexpr uint64_t kTASK_SIZE_MAX = (uint64_t{1} << 47) - 4096;
inline constexpr uint64_t kMAX_RW_COUNT = 0x7ffff000;
inline constexpr uint64_t kUserBuffer = uint64_t{1} << 45;

// "EBADF" for 9; "E<n>" for numbers the table does not know.
std::string errno_name(int err);
// 9 for "EBADF"; nothing for an unknown name.
std::optional<int> errno_from_name(std::string_view name);

// A mask as docs/kernel-notes.md prints it (C6), bits in ascending order: "IN|OUT|RDNORM|WRNORM".
// Private bits print as ET, ONESHOT, WAKEUP, EXCLUSIVE; unknown bits as hex. 0 prints as "0".
std::string mask_to_string(poll_t mask);
// The same with the C names: "EPOLLIN|EPOLLET".
std::string mask_to_c_names(poll_t mask);
// The same bits with poll(2)'s names: "POLLIN|POLLRDNORM".
std::string mask_to_poll_names(poll_t mask);
// select's result sets as the scenario language names them: "readfds|writefds".
std::string select_sets_names(poll_t sets);

// Every constant a scenario may name (EPOLLIN, EPOLL_CTL_ADD, O_NONBLOCK, EFD_SEMAPHORE,
// SHUT_WR, EPOLL_CLOEXEC, ...), by its C name.
std::optional<int64_t> constant_from_name(std::string_view name);

// The names errno_from_name and constant_from_name know, in table order (for the parser's "did
// you mean EPOLLET?" hints).
std::vector<std::string_view> errno_names();
std::vector<std::string_view> constant_names();

}  // namespace epollscope::sim
