// The bookkeeping of data parallel that needs no group: where the ranks run (dist::spreadOf), which decides whether
// NCCL can take the gradients (it refuses two ranks on one GPU), and what a process outside a group does.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dist/dist.h"
#include "onestep/parallel.h"

namespace onestep::dist {
namespace {

// A rank's place: host, boot id, GPU ("" for none), ONESTEP_DIST_BACKEND.
Place at(const std::string& host, const std::string& gpu, const std::string& boot = "boot-1",
         const std::string& backend = "auto") {
  return {host, boot, backend, gpu, ""};
}

TEST(DistSpread, CountsMachinesByHostAndBoot) {
  EXPECT_EQ(spreadOf({at("a", ""), at("a", ""), at("b", "", "boot-2")}).machines, 2);
  // Two machines of one name (their boot ids differ), and two containers of one machine with names of their own.
  EXPECT_EQ(spreadOf({at("node", "", "boot-1"), at("node", "", "boot-2")}).machines, 2);
  EXPECT_EQ(spreadOf({at("pod-a", "", "boot-1"), at("pod-b", "", "boot-1")}).machines, 2);
  EXPECT_EQ(spreadOf({at("a", "")}).machines, 1);
  EXPECT_EQ(spreadOf({}).machines, 1);
}

TEST(DistSpread, CpuRanksTakeNoNccl) {
  const Spread s = spreadOf({at("a", ""), at("a", "")});
  EXPECT_EQ(s.sharedGpu, "");
  EXPECT_EQ(s.noGpu, "rank 0 (a)");
  EXPECT_FALSE(s.nccl());
}

TEST(DistSpread, GpusOfTheirOwnOnOneMachineAndAcrossMachines) {
  // Eight GPUs on each of two machines; the same bus ids on both machines are different GPUs.
  std::vector<Place> places;
  for (const char* host : {"node0", "node1"})
    for (int g = 0; g < 8; ++g) places.push_back(at(host, "0000:" + std::to_string(10 + g) + ":00.0", host));
  const Spread s = spreadOf(places);
  EXPECT_EQ(s.machines, 2);
  EXPECT_TRUE(s.nccl()) << s.sharedGpu << s.noGpu;
}

TEST(DistSpread, NamesTheFirstTwoRanksOnOneGpu) {
  // Four processes on a machine with two GPUs (or a GPU shown to two processes): NCCL would refuse them.
  const Spread s =
      spreadOf({at("a", "0000:17:00.0"), at("a", "0000:65:00.0"), at("a", "0000:17:00.0"), at("a", "0000:65:00.0")});
  EXPECT_EQ(s.machines, 1);
  EXPECT_EQ(s.sharedGpu, "ranks 0 and 2 are both on GPU 0000:17:00.0 of a");
  EXPECT_FALSE(s.nccl());
}

TEST(DistSpread, OneRankWithoutAGpuKeepsEveryRankOffNccl) {
  // A machine whose device resolved to the CPU, or whose build has no NCCL: every rank must take Gloo, or they
  // would wait on each other in different all-reduces.
  const Spread s = spreadOf({at("gpu-node", "0000:17:00.0"), at("cpu-node", "", "boot-2")});
  EXPECT_EQ(s.noGpu, "rank 1 (cpu-node)");
  EXPECT_FALSE(s.nccl());
}

TEST(DistSpread, NamesARankThatCouldNotSay) {
  const Spread s =
      spreadOf({at("a", "0000:17:00.0"), {"b", "boot-2", "auto", "", "cannot read the PCI bus id of cuda:0"}});
  EXPECT_EQ(s.failure, "rank 1 (b): cannot read the PCI bus id of cuda:0");
  EXPECT_FALSE(s.nccl());
}

TEST(DistSpread, RanksMustAskForOneBackend) {
  // Rank 1 alone asking for NCCL would refuse it on its own while the others wait for it in Gloo.
  const Spread s = spreadOf({at("a", "0000:17:00.0"), at("a", "0000:17:00.0", "boot-1", "nccl")});
  EXPECT_EQ(s.failure, "rank 1 (a): ONESTEP_DIST_BACKEND=nccl, but rank 0 has auto (give every process the same)");
  EXPECT_FALSE(s.nccl());
  EXPECT_EQ(spreadOf({at("a", "", "b", "gloo"), at("a", "", "b", "gloo")}).failure, "");
}

TEST(DistSolo, OneProcessIsPlainLibTorch) {
  ASSERT_FALSE(active());
  EXPECT_EQ(parallel::placement("cpu").gradients, "");
  EXPECT_EQ(parallel::placement("cpu").machines, 1);
  EXPECT_EQ(average(std::vector<double>{1.5, -2.0}), (std::vector<double>{1.5, -2.0}));
  EXPECT_TRUE(anyRank(true));
  EXPECT_FALSE(anyRank(false));
  auto w = torch::ones({3}, torch::requires_grad());
  GradientSync sync({w});
  sync.backward((w * torch::tensor({1.0f, 2.0f, 3.0f})).sum());
  EXPECT_TRUE(torch::equal(w.grad(), torch::tensor({1.0f, 2.0f, 3.0f})));
}

}  // namespace
}  // namespace onestep::dist
