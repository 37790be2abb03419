/*
 * What the C test programs need from the operating system, for POSIX systems
 * and for Windows (built with mingw-w64, run on Windows or under wine):
 * a monotonic clock and sleeps, a child process whose stdout is read through
 * a pipe and which is killed and reaped at the end, loopback TCP sockets, a
 * temporary file and folder, and a check that a program exists.
 *
 * On POSIX systems the calls are exactly those the tests made before this
 * layer existed (posix_spawn, poll, kill(SIGKILL) + waitpid, mkstemp, ...).
 * Threads are pthreads on both: mingw-w64's winpthreads, linked statically
 * (-static -lpthread), so the .exe needs no mingw DLL.
 */
#ifndef GWB_TEST_PORTABLE_H
#define GWB_TEST_PORTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
/* winsock2.h before windows.h, which would otherwise pull in winsock 1. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#else
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
#endif

/* ------------------------------------------------------------------ time */

/* Seconds on a monotonic clock. */
static inline double now_s(void) {
#ifdef _WIN32
  /* https://learn.microsoft.com/en-us/windows/win32/sysinfo/acquiring-high-resolution-time-stamps */
  static LARGE_INTEGER freq;
  LARGE_INTEGER t;
  if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&t);
  return (double)t.QuadPart / (double)freq.QuadPart;
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
#endif
}

static inline void sleep_ms(long ms) {
#ifdef _WIN32
  Sleep((DWORD)ms);
#else
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
#endif
}

/* ------------------------------------------------------------------ process */

/* A child process with its stdout on a pipe (stdin and stderr: the null device). */
typedef struct {
#ifdef _WIN32
  HANDLE process; /* NULL: none */
  HANDLE out;     /* the pipe's read end, or NULL */
#else
  pid_t pid; /* 0: none */
  int out_fd; /* the pipe's read end, or -1 */
#endif
} gwb_proc;

static inline void proc_init(gwb_proc *p) {
#ifdef _WIN32
  p->process = NULL;
  p->out = NULL;
#else
  p->pid = 0;
  p->out_fd = -1;
#endif
}

#ifdef _WIN32
/*
 * Appends `arg` to the command line `cmd` quoted so that the C runtime's and
 * Rust's argument parsing give it back unchanged (a backslash is literal
 * unless it precedes a double quote):
 * https://learn.microsoft.com/en-us/cpp/c-language/parsing-c-command-line-arguments
 * Returns false when `cmd` is too small.
 */
static inline bool proc_append_arg(char *cmd, size_t cap, const char *arg) {
  size_t n = strlen(cmd);
  bool plain = arg[0] != '\0' && strpbrk(arg, " \t\n\v\"") == NULL;
#define GWB_PUT(ch)              \
  do {                           \
    if (n + 2 > cap) return false; \
    cmd[n++] = (ch);             \
  } while (0)
  if (n > 0) GWB_PUT(' ');
  if (plain) {
    for (const char *s = arg; *s; s++) GWB_PUT(*s);
  } else {
    GWB_PUT('"');
    for (const char *s = arg;; s++) {
      size_t backslashes = 0;
      while (*s == '\\') {
        backslashes++;
        s++;
      }
      if (*s == '\0') {
        /* Before the closing quote: every backslash doubled. */
        for (size_t i = 0; i < backslashes * 2; i++) GWB_PUT('\\');
        break;
      }
      if (*s == '"') {
        for (size_t i = 0; i < backslashes * 2 + 1; i++) GWB_PUT('\\');
      } else {
        for (size_t i = 0; i < backslashes; i++) GWB_PUT('\\');
      }
      GWB_PUT(*s);
    }
    GWB_PUT('"');
  }
#undef GWB_PUT
  cmd[n] = '\0';
  return true;
}

/*
 * Every child goes into one job object that kills its processes when its
 * last handle closes: if this program dies, Windows closes the handle and no
 * child is left running.
 * https://learn.microsoft.com/en-us/windows/win32/api/winnt/ns-winnt-jobobject_basic_limit_information
 */
static inline HANDLE proc_job(void) {
  static HANDLE job;
  if (!job) {
    job = CreateJobObjectA(NULL, NULL);
    if (job) {
      JOBOBJECT_EXTENDED_LIMIT_INFORMATION info;
      memset(&info, 0, sizeof info);
      info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
      SetInformationJobObject(job, JobObjectExtendedLimitInformation, &info, sizeof info);
    }
  }
  return job;
}
#endif

/*
 * Starts `path` with `argv` (NULL-terminated; argv[0] is the program's name)
 * and its stdout on a pipe. On failure prints why and returns false.
 */
static inline bool proc_start(gwb_proc *p, const char *path, const char *const *argv) {
  proc_init(p);
#ifdef _WIN32
  /* https://learn.microsoft.com/en-us/windows/win32/procthread/creating-a-child-process-with-redirected-input-and-output */
  char cmd[4096] = "";
  for (size_t i = 0; argv[i]; i++) {
    if (!proc_append_arg(cmd, sizeof cmd, argv[i])) {
      fprintf(stderr, "cannot start %s: command line too long\n", path);
      return false;
    }
  }
  SECURITY_ATTRIBUTES inherit = {sizeof(SECURITY_ATTRIBUTES), NULL, TRUE};
  HANDLE rd = NULL, wr = NULL;
  if (!CreatePipe(&rd, &wr, &inherit, 0)) {
    fprintf(stderr, "cannot start %s: CreatePipe failed (error %lu)\n", path, (unsigned long)GetLastError());
    return false;
  }
  /* Only the write end goes to the child. */
  SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
  HANDLE nul_in = CreateFileA("NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit, OPEN_EXISTING, 0, NULL);
  HANDLE nul_out =
      CreateFileA("NUL", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit, OPEN_EXISTING, 0, NULL);
  STARTUPINFOA si;
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = nul_in;
  si.hStdOutput = wr;
  si.hStdError = nul_out;
  PROCESS_INFORMATION pi;
  memset(&pi, 0, sizeof pi);
  BOOL ok = CreateProcessA(path, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi);
  DWORD error = ok ? 0 : GetLastError();
  CloseHandle(wr);
  if (nul_in != INVALID_HANDLE_VALUE) CloseHandle(nul_in);
  if (nul_out != INVALID_HANDLE_VALUE) CloseHandle(nul_out);
  if (!ok) {
    fprintf(stderr, "cannot start %s: CreateProcess failed (error %lu)\n", path, (unsigned long)error);
    CloseHandle(rd);
    return false;
  }
  HANDLE job = proc_job();
  if (job) AssignProcessToJobObject(job, pi.hProcess);
  CloseHandle(pi.hThread);
  p->process = pi.hProcess;
  p->out = rd;
  return true;
#else
  int fds[2];
  if (pipe(fds) != 0) return false;
  fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  int rc = posix_spawn(&p->pid, path, &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    fprintf(stderr, "cannot start %s: %s\n", path, strerror(rc));
    close(fds[0]);
    p->pid = 0;
    return false;
  }
  p->out_fd = fds[0];
  return true;
#endif
}

/* The next byte of the child's stdout, or -1 at its end, on an error, or after `timeout_ms`. */
static inline int proc_read_byte(gwb_proc *p, int timeout_ms) {
  if (timeout_ms <= 0) return -1;
#ifdef _WIN32
  /* An anonymous pipe has no overlapped reads: peek until a byte is there. */
  double deadline = now_s() + timeout_ms / 1000.0;
  for (;;) {
    DWORD avail = 0;
    if (!PeekNamedPipe(p->out, NULL, 0, NULL, &avail, NULL)) return -1; /* closed: the child ended */
    if (avail > 0) {
      unsigned char c;
      DWORD got = 0;
      if (!ReadFile(p->out, &c, 1, &got, NULL) || got != 1) return -1;
      return c;
    }
    if (now_s() >= deadline) return -1;
    sleep_ms(10);
  }
#else
  struct pollfd pfd = {p->out_fd, POLLIN, 0};
  if (poll(&pfd, 1, timeout_ms) <= 0) return -1;
  char c;
  ssize_t r = read(p->out_fd, &c, 1);
  return r == 1 ? (unsigned char)c : -1;
#endif
}

/* Kills the child (SIGKILL; TerminateProcess on Windows), waits for it, closes the pipe. */
static inline void proc_kill(gwb_proc *p) {
#ifdef _WIN32
  if (p->process) {
    TerminateProcess(p->process, 1);
    WaitForSingleObject(p->process, INFINITE);
    CloseHandle(p->process);
  }
  if (p->out) CloseHandle(p->out);
#else
  if (p->pid > 0) {
    kill(p->pid, SIGKILL);
    int st;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR) {
    }
  }
  if (p->out_fd >= 0) close(p->out_fd);
#endif
  proc_init(p);
}

/* `path` exists and can be run. */
static inline bool program_exists(const char *path) {
#ifdef _WIN32
  DWORD attrs = GetFileAttributesA(path);
  return attrs != INVALID_FILE_ATTRIBUTES && !(attrs & FILE_ATTRIBUTE_DIRECTORY);
#else
  return access(path, X_OK) == 0;
#endif
}

/* ------------------------------------------------------------------ sockets */

#ifdef _WIN32
typedef SOCKET gwb_socket;
#define GWB_NO_SOCKET INVALID_SOCKET
#else
typedef int gwb_socket;
#define GWB_NO_SOCKET (-1)
#endif

/*
 * Once, before any socket: WSAStartup on Windows
 * (https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-wsastartup);
 * on POSIX systems a write to a closed socket must not raise SIGPIPE.
 */
static inline bool net_init(void) {
#ifdef _WIN32
  WSADATA wsa;
  return WSAStartup(MAKEWORD(2, 2), &wsa) == 0;
#else
  signal(SIGPIPE, SIG_IGN);
  return true;
#endif
}

/* A TCP connection to 127.0.0.1:`port`, or GWB_NO_SOCKET. */
static inline gwb_socket tcp_connect_loopback(int port) {
  gwb_socket s = socket(AF_INET, SOCK_STREAM, 0);
  if (s == GWB_NO_SOCKET) return GWB_NO_SOCKET;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) {
#ifdef _WIN32
    closesocket(s);
#else
    close(s);
#endif
    return GWB_NO_SOCKET;
  }
  return s;
}

static inline void tcp_close(gwb_socket s) {
#ifdef _WIN32
  closesocket(s);
#else
  close(s);
#endif
}

/* Sends all of `buf`; false on an error. */
static inline bool tcp_send_all(gwb_socket s, const char *buf, size_t len) {
  for (size_t sent = 0; sent < len;) {
#ifdef _WIN32
    int w = send(s, buf + sent, (int)(len - sent), 0);
#else
    ssize_t w = send(s, buf + sent, len - sent, MSG_NOSIGNAL);
#endif
    if (w <= 0) return false;
    sent += (size_t)w;
  }
  return true;
}

/* Up to `cap` bytes: how many were read, 0 at the end, -1 on an error (retried when interrupted). */
static inline long tcp_recv(gwb_socket s, char *buf, size_t cap) {
#ifdef _WIN32
  int r = recv(s, buf, (int)(cap > INT32_MAX ? INT32_MAX : cap), 0);
  return r == SOCKET_ERROR ? -1 : (long)r;
#else
  for (;;) {
    ssize_t r = recv(s, buf, cap, 0);
    if (r < 0 && errno == EINTR) continue;
    return (long)r;
  }
#endif
}

/* ------------------------------------------------------------------ files */

/*
 * Creates a new empty temporary file, writes its path to `path` and opens it
 * for writing. On Windows the path is written with forward slashes, which the
 * Windows file APIs accept, so that it can go into JSON text unescaped.
 * Returns NULL on failure. Remove the file with remove().
 */
static inline FILE *temp_file_create(char *path, size_t cap, const char *prefix) {
#ifdef _WIN32
  char dir[MAX_PATH + 1];
  DWORD n = GetTempPathA(sizeof dir, dir);
  if (n == 0 || n > sizeof dir || cap < MAX_PATH) return NULL;
  /* https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-gettempfilenamea */
  if (GetTempFileNameA(dir, prefix, 0, path) == 0) return NULL;
  for (char *c = path; *c; c++)
    if (*c == '\\') *c = '/';
  FILE *f = fopen(path, "w");
  if (!f) remove(path);
  return f;
#else
  int written = snprintf(path, cap, "/tmp/%s-XXXXXX", prefix);
  if (written < 0 || (size_t)written >= cap) return NULL;
  int fd = mkstemp(path);
  if (fd < 0) return NULL;
  FILE *f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    remove(path);
  }
  return f;
#endif
}

/*
 * Creates a new empty temporary folder and writes its path to `path`
 * (forward slashes on Windows, as temp_file_create). Returns false on
 * failure. Remove it with temp_dir_remove().
 */
static inline bool temp_dir_create(char *path, size_t cap, const char *prefix) {
#ifdef _WIN32
  char dir[MAX_PATH + 1];
  DWORD n = GetTempPathA(sizeof dir, dir);
  if (n == 0 || n > sizeof dir || cap < MAX_PATH) return false;
  /* A unique name from GetTempFileNameA, whose file is replaced by the folder. */
  if (GetTempFileNameA(dir, prefix, 0, path) == 0) return false;
  if (!DeleteFileA(path) || !CreateDirectoryA(path, NULL)) return false;
  for (char *c = path; *c; c++)
    if (*c == '\\') *c = '/';
  return true;
#else
  int written = snprintf(path, cap, "/tmp/%s-XXXXXX", prefix);
  if (written < 0 || (size_t)written >= cap) return false;
  return mkdtemp(path) != NULL;
#endif
}

/* Removes a folder made by temp_dir_create and the files in it (not folders). */
static inline void temp_dir_remove(const char *path) {
  char file[1024];
#ifdef _WIN32
  char pattern[1024];
  snprintf(pattern, sizeof pattern, "%s/*", path);
  WIN32_FIND_DATAA found;
  HANDLE h = FindFirstFileA(pattern, &found);
  if (h != INVALID_HANDLE_VALUE) {
    do {
      if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
      snprintf(file, sizeof file, "%s/%s", path, found.cFileName);
      DeleteFileA(file);
    } while (FindNextFileA(h, &found));
    FindClose(h);
  }
  RemoveDirectoryA(path);
#else
  DIR *d = opendir(path);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      snprintf(file, sizeof file, "%s/%s", path, e->d_name);
      unlink(file);
    }
    closedir(d);
  }
  rmdir(path);
#endif
}

#endif
