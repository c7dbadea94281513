// The CLI as a library (onestep_cli): its parsing, and its lists of methods read from the engine's registry, so that a
// method registered in a test file appears in distill's choices, help and errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "args.h"
#include "commands.h"
#include "dummy_method.h"

namespace onestep::cli {
namespace {

// Runs a command line, capturing stdout and stderr.
struct Outcome {
  int status;
  std::string out, err;
};
Outcome runLine(const std::vector<std::string>& args) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int status = runCommandLine(args);
  std::fflush(stdout);
  std::fflush(stderr);
  std::string out = ::testing::internal::GetCapturedStdout();
  return {status, out, ::testing::internal::GetCapturedStderr()};
}

const CommandSpec& specOf(const std::vector<Command>& all, const std::string& name) {
  const Command* c = findCommand(all, name);
  if (!c) throw std::runtime_error("no command " + name);
  return c->spec;
}

TEST(CliArgs, ParsesValuesFlagsRepeatsAndPositionals) {
  const auto all = commands();
  Args a(specOf(all, "distill"), {"--method", "sid", "--set", "a=1", "--set=b=2", "--steps=40", "--quiet"});
  EXPECT_EQ(a.get("method"), "sid");
  EXPECT_EQ(a.all("set"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(a.getInt("steps", 0), 40);
  EXPECT_TRUE(a.has("quiet"));
  EXPECT_FALSE(a.has("resume"));
  Args fid(specOf(all, "fid"), {"x.npz", "y.npz", "--n", "100"});
  EXPECT_EQ(fid.positional(), (std::vector<std::string>{"x.npz", "y.npz"}));
  EXPECT_THROW(Args(specOf(all, "distill"), {"--no-such-option"}), UsageError);
  EXPECT_THROW(Args(specOf(all, "distill"), {"--steps"}), UsageError);  // a value is missing
  EXPECT_THROW(Args(specOf(all, "sample"), {"--n", "ten"}).getInt("n", 0), UsageError);
}

TEST(CliArgs, SharedOptionsHaveOneHelpText) {
  // Every command that takes --device or --threads explains it in the same words.
  std::string device, threads;
  for (const auto& c : commands())
    for (const auto& o : c.spec.options) {
      std::string& seen = o.name == "device" ? device : o.name == "threads" ? threads : device;
      if (o.name != "device" && o.name != "threads") continue;
      if (seen.empty()) seen = o.help;
      EXPECT_EQ(o.help, seen) << c.spec.name << " --" << o.name;
    }
  EXPECT_FALSE(device.empty());
  EXPECT_FALSE(threads.empty());
}

TEST(CliMethods, ARegisteredMethodIsInDistillsChoicesHelpAndErrors) {
  test::registerDummyMethod();
  const auto all = commands();
  const CommandSpec& distill = specOf(all, "distill");
  EXPECT_NE(distill.synopsis.find("--method sid|smm|ect|sct|dummy"), std::string::npos) << distill.synopsis;
  EXPECT_NE(distill.summary.find("dummy  Dummy — mean matching: a test method"), std::string::npos) << distill.summary;
  auto help = runLine({"distill", "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("sid, smm, ect, sct or dummy"), std::string::npos) << help.out;
  auto bad = runLine({"distill", "--method", "gan", "--out", "x"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("expected sid, smm, ect, sct or dummy"), std::string::npos) << bad.err;
  auto listed = runLine({"info", "--methods"});
  EXPECT_EQ(listed.status, 0);
  EXPECT_NE(listed.out.find("dummy"), std::string::npos) << listed.out;
  auto json = runLine({"info", "--methods", "--json"});
  EXPECT_NE(json.out.find("\"name\": \"dummy\""), std::string::npos) << json.out;
}

TEST(CliMethods, ARegisteredMethodTrainsFromTheCommandLine) {
  test::registerDummyMethod();
  const auto dir = std::filesystem::temp_directory_path() / ("onestep-cli-dummy-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto r = runLine({"distill", "--method", "dummy", "--data", "toy:8gaussians", "--out", (dir / "run").string(),
                    "--steps", "20", "--set", "snapshot_every=0", "--set", "eval_every=0", "--quiet", "--json"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\"iteration\":20"), std::string::npos) << r.out;
  std::ifstream config(dir / "run" / "config.json");
  std::stringstream text;
  text << config.rdbuf();
  EXPECT_NE(text.str().find("\"method\": \"dummy\""), std::string::npos);
  // It takes no teacher, as its descriptor says.
  auto withTeacher = runLine({"distill", "--method", "dummy", "--teacher", "t.pt", "--out", (dir / "x").string()});
  EXPECT_EQ(withTeacher.status, 2);
  EXPECT_NE(withTeacher.err.find("trains from scratch and takes no --teacher"), std::string::npos) << withTeacher.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace onestep::cli
