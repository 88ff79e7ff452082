/* Fault injection for fault_matrix_test: preloaded (LD_PRELOAD) into the
 * custody binary, it counts every call that makes a write durable or visible
 * -- fsync, fdatasync, rename, renameat2 -- whether custody's Env or SQLite
 * makes it, and every write to the custody log's write-ahead file (a killed
 * process keeps what it wrote, so that write, not its fsync, is the moment a
 * command becomes logged). It kills the process with SIGKILL just before call number
 * $CUSTODY_FAULT_CRASH_AT (1-based; unset or 0: never). With
 * $CUSTODY_FAULT_TRACE set, each call is appended to that file as
 * "N kind path[ -> path]" before it runs, so a test can count the points and
 * name the one it crashed at. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long crash_at = -1;
static long calls;

static void point(const char* kind, const char* a, const char* b) {
  if (crash_at < 0) {
    const char* s = getenv("CUSTODY_FAULT_CRASH_AT");
    crash_at = s != NULL ? atol(s) : 0;
  }
  const long n = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
  const char* trace = getenv("CUSTODY_FAULT_TRACE");
  if (trace != NULL) {
    int fd = open(trace, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
      dprintf(fd, "%ld %s %s%s%s\n", n, kind, a, b != NULL ? " -> " : "", b != NULL ? b : "");
      close(fd);
    }
  }
  if (crash_at > 0 && n == crash_at) kill(getpid(), SIGKILL);
}

static void fd_path(int fd, char* buf, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t r = readlink(link, buf, size - 1);
  buf[r < 0 ? 0 : r] = '\0';
}

static void* next(const char* name) { return dlsym(RTLD_NEXT, name); }

int fsync(int fd) {
  char path[4096];
  fd_path(fd, path, sizeof path);
  point("fsync", path, NULL);
  return ((int (*)(int))next("fsync"))(fd);
}

int fdatasync(int fd) {
  char path[4096];
  fd_path(fd, path, sizeof path);
  point("fdatasync", path, NULL);
  return ((int (*)(int))next("fdatasync"))(fd);
}

int rename(const char* from, const char* to) {
  point("rename", from, to);
  return ((int (*)(const char*, const char*))next("rename"))(from, to);
}

int renameat2(int from_dir, const char* from, int to_dir, const char* to, unsigned flags) {
  point("rename", from, to);
  return ((int (*)(int, const char*, int, const char*, unsigned))next("renameat2"))(
      from_dir, from, to_dir, to, flags);
}

ssize_t write(int fd, const void* data, size_t size) {
  static const char kWal[] = "/custody.wal";
  char path[4096];
  fd_path(fd, path, sizeof path);
  const size_t n = strlen(path);
  if (n >= sizeof kWal - 1 && strcmp(path + n - (sizeof kWal - 1), kWal) == 0) {
    point("write", path, NULL);
  }
  return ((ssize_t(*)(int, const void*, size_t))next("write"))(fd, data, size);
}
