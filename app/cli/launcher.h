// `--nproc N`: the training commands as N data-parallel worker processes on this machine (onestep/parallel.h).
#pragma once
#include <string>
#include <vector>

namespace onestep::cli {

// The command line runCommandLine is running (launchWorkers runs it again in each worker).
void setCommandLine(const std::vector<std::string>& args);

// Runs the command line again (this program, /proc/self/exe) as `n` workers, with --nproc removed and torchrun's
// variables set (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT: the caller's, else
// a free port). Ctrl-C and SIGTERM are passed on to every worker. When a worker fails, the others are stopped (SIGTERM,
// then SIGKILL after `graceSec`). Returns 0 when every worker succeeded, 130 when they were all interrupted, else
// the failed worker's status (1 for one killed by a signal). Workers start with SIGINT and SIGTERM blocked
// (installInterruptHandler unblocks them), so a Ctrl-C at any moment stops them cleanly, and each gets SIGTERM if
// the launcher itself dies.
int launchWorkers(int n, double graceSec = 30);

// The command line minus --nproc and its value ("--nproc N" or "--nproc=N"), from argv[1] on.
std::vector<std::string> withoutNproc(const std::vector<std::string>& args);

// "rank R: " inside a data-parallel group of several processes (from RANK/WORLD_SIZE), else "".
std::string rankPrefix();

}  // namespace onestep::cli
