// Local worker processes of a data-parallel run (launcher.h): fork/exec of /proc/self/exe, signals passed on.
#include "launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "onestep/error.h"

namespace onestep::cli {
namespace {

std::atomic<int> g_signal{0};
extern "C" void onSignal(int s) { g_signal.store(s); }

// A TCP port free on the loopback now (the kernel's choice); the workers' rendezvous binds it a moment later.
int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error("--nproc: cannot open a socket to find a free port for the workers' rendezvous");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  if (port <= 0) throw Error("--nproc: no free port on 127.0.0.1 for the workers' rendezvous (set MASTER_PORT)");
  return port;
}

std::vector<std::string>& commandLine() {
  static std::vector<std::string> args;
  return args;
}

// How a worker ended, in words.
std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status));
  return "ended";
}

}  // namespace

void setCommandLine(const std::vector<std::string>& args) { commandLine() = args; }

std::vector<std::string> withoutNproc(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--nproc") {
      ++i;  // and its value
      continue;
    }
    if (args[i].rfind("--nproc=", 0) == 0) continue;
    out.push_back(args[i]);
  }
  return out;
}

std::string rankPrefix() {
  const char* world = std::getenv("WORLD_SIZE");
  const char* rank = std::getenv("RANK");
  if (!world || !rank || std::atoi(world) <= 1) return "";
  return std::string("rank ") + rank + ": ";
}

int launchWorkers(int n, double graceSec) {
  const std::vector<std::string> rest = withoutNproc(commandLine());
  const char* givenPort = std::getenv("MASTER_PORT");
  const std::string port = givenPort && *givenPort ? givenPort : std::to_string(freePort());

  // Each worker's argv and environment, made before fork (the child only calls async-signal-safe functions).
  std::vector<std::string> argvText = {"onestep"};
  argvText.insert(argvText.end(), rest.begin(), rest.end());
  std::vector<char*> argv;
  for (auto& a : argvText) argv.push_back(a.data());
  argv.push_back(nullptr);
  static const char* const kOwn[] = {
      "RANK=", "LOCAL_RANK=", "WORLD_SIZE=", "LOCAL_WORLD_SIZE=", "MASTER_ADDR=", "MASTER_PORT="};
  std::vector<std::string> inherited;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    bool own = false;
    for (const char* k : kOwn) own = own || entry.rfind(k, 0) == 0;
    if (!own) inherited.push_back(entry);
  }
  std::vector<std::vector<std::string>> envText(static_cast<std::size_t>(n), inherited);
  std::vector<std::vector<char*>> envp(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) {
    auto& e = envText[static_cast<std::size_t>(r)];
    for (const std::string& v :
         {"RANK=" + std::to_string(r), "LOCAL_RANK=" + std::to_string(r), "WORLD_SIZE=" + std::to_string(n),
          "LOCAL_WORLD_SIZE=" + std::to_string(n), std::string("MASTER_ADDR=127.0.0.1"), "MASTER_PORT=" + port})
      e.push_back(v);
    for (auto& v : e) envp[static_cast<std::size_t>(r)].push_back(v.data());
    envp[static_cast<std::size_t>(r)].push_back(nullptr);
  }

  struct sigaction action {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // Blocked across fork and exec: a worker takes a Ctrl-C once it can stop cleanly (installInterruptHandler).
  sigset_t stopSignals, before;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stopSignals, &before);

  const pid_t launcher = ::getpid();
  std::vector<pid_t> pids(static_cast<std::size_t>(n), -1);
  for (int r = 0; r < n; ++r) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      for (pid_t p : pids)
        if (p > 0) ::kill(p, SIGKILL);
      sigprocmask(SIG_SETMASK, &before, nullptr);
      throw Error("--nproc: cannot start worker " + std::to_string(r));
    }
    if (pid == 0) {
      ::signal(SIGINT, SIG_DFL);
      ::signal(SIGTERM, SIG_DFL);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);       // the launcher gone: stop too
      if (::getppid() != launcher) ::_exit(1);  // it went before the line above
      ::execve("/proc/self/exe", argv.data(), envp[static_cast<std::size_t>(r)].data());
      static const char kFailed[] = "onestep: --nproc: cannot start a worker (exec /proc/self/exe failed)\n";
      [[maybe_unused]] auto written = ::write(2, kFailed, sizeof kFailed - 1);
      ::_exit(127);
    }
    pids[static_cast<std::size_t>(r)] = pid;
  }
  sigprocmask(SIG_SETMASK, &before, nullptr);  // a Ctrl-C that came meanwhile is handled (passed on) below

  int running = n, firstFailure = -1, failedStatus = 0, interruptedCount = 0;
  bool stopping = false, forwarded = false;
  auto stopAt = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    if (const int s = g_signal.exchange(0)) {
      forwarded = true;
      for (pid_t p : pids)
        if (p > 0) ::kill(p, s);  // each worker stops after the iteration the group agrees on
    }
    int status = 0;
    const pid_t done = ::waitpid(-1, &status, WNOHANG);
    if (done > 0) {
      for (int r = 0; r < n; ++r) {
        if (pids[static_cast<std::size_t>(r)] != done) continue;
        pids[static_cast<std::size_t>(r)] = -1;
        --running;
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        // Stopped by the Ctrl-C passed on: it says so with 130 (or, before it could say anything, dies of it).
        const bool stopped =
            (WIFEXITED(status) && WEXITSTATUS(status) == 130) ||
            (forwarded && WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM));
        if (stopped) ++interruptedCount;
        if (!ok && !stopped && firstFailure < 0) {
          firstFailure = r;
          failedStatus = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
          // A worker that exits with 1 or 2 has printed its error; one that died or could not start has not.
          if (!WIFEXITED(status) || failedStatus > 2)
            std::fprintf(stderr, "onestep: worker %d of %d %s; stopping the others\n", r, n, describe(status).c_str());
          stopping = true;
          stopAt = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(graceSec * 1e3));
          for (pid_t p : pids)
            if (p > 0) ::kill(p, SIGTERM);
        }
      }
      continue;
    }
    if (stopping && std::chrono::steady_clock::now() > stopAt) {
      for (pid_t p : pids)
        if (p > 0) ::kill(p, SIGKILL);
      stopping = false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (firstFailure >= 0) return failedStatus == 0 ? 1 : failedStatus;
  return interruptedCount > 0 ? 130 : 0;
}

}  // namespace onestep::cli
