// The CLI as a library (onestep_cli): its parsing, and its lists of methods read from the engine's registry, so that a
// method registered in a test file appears in distill's choices, help and errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "args.h"
#include "commands.h"
#include "docgen.h"
#include "dummy_method.h"
#include "onestep/methods.h"
#include "onestep/shipped.h"

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

// The name as a C string: GCC 14 takes a temporary std::string argument for what the returned reference may point
// into (-Wdangling-reference).
const CommandSpec& specOf(const std::vector<Command>& all, const char* name) {
  const Command* c = findCommand(all, name);
  if (!c) throw std::runtime_error(std::string("no command ") + name);
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

TEST(CliDocs, RoffEscapeKeepsTextLiteralForGroff) {
  EXPECT_EQ(roffEscape("--steps N"), "\\-\\-steps N");
  EXPECT_EQ(roffEscape(".dot\n'quote"), "\\&.dot\n\\(aqquote");  // neither line may start a request
  EXPECT_EQ(roffEscape("a.b"), "a.b");
  EXPECT_EQ(roffEscape("say \"`x` ^2\""), "say \\(dq\\(gax\\(ga \\(ha2\\(dq");  // as typed, not typographic
  EXPECT_EQ(roffEscape("C:\\x"), "C:\\ex");
  EXPECT_EQ(roffEscape("SiD \u2014 1\u00d7 \U0001F600"), "SiD \\[u2014] 1\\[u00D7] \\[u1F600]");
  // Bytes that are not UTF-8 each become U+FFFD, never an invalid groff glyph.
  EXPECT_EQ(roffEscape(std::string("a\xff")), "a\\[uFFFD]");
  EXPECT_EQ(roffEscape(std::string("a\xe2\x80")), "a\\[uFFFD]\\[uFFFD]");                          // cut short
  EXPECT_EQ(roffEscape(std::string("\xc0\xaf")), "\\[uFFFD]\\[uFFFD]");                            // overlong '/'
  EXPECT_EQ(roffEscape(std::string("\xed\xa0\x80")), "\\[uFFFD]\\[uFFFD]\\[uFFFD]");               // a surrogate
  EXPECT_EQ(roffEscape(std::string("\xf4\x90\x80\x80")), "\\[uFFFD]\\[uFFFD]\\[uFFFD]\\[uFFFD]");  // past U+10FFFF
}

// The words between the quotes after `start` in `text`: "    distill) opts='--method ... --help'" gives its options.
std::set<std::string> quotedWordsAfter(const std::string& text, const std::string& start) {
  const std::size_t at = text.find(start);
  if (at == std::string::npos) return {};
  const std::size_t from = at + start.size();
  std::istringstream words(text.substr(from, text.find('\'', from) - from));
  return {std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
}

TEST(CliDocs, ManPageAndCompletionNameEveryCommandAndOption) {
  test::registerDummyMethod();
  const auto all = commands();
  const std::string page = manPage(all, {"2026-01-02", true}), completion = bashCompletion(all);
  EXPECT_EQ(page.find(".TH ONESTEP 1 \"2026\\-01\\-02\""), page.find(".TH")) << "the page is dated";
  for (const auto& c : all) {
    EXPECT_NE(page.find(".SS \"" + roffEscape(c.spec.name) + "\""), std::string::npos) << c.spec.name;
    const auto offered = quotedWordsAfter(completion, "\n    " + c.spec.name + ") opts='");
    EXPECT_EQ(offered.count("--help"), 1u) << c.spec.name;
    for (const auto& o : c.spec.options) {
      const std::string flag = roffEscape("--" + o.name);
      EXPECT_TRUE(page.find(".B " + flag + "\n") != std::string::npos ||
                  page.find(".BI " + flag + " \"") != std::string::npos)
          << c.spec.name << " --" << o.name;
      EXPECT_EQ(offered.count("--" + o.name), 1u) << c.spec.name << " --" << o.name;
    }
    EXPECT_EQ(offered.size(), c.spec.options.size() + 1) << c.spec.name;
  }
  EXPECT_NE(page.find("onestep\\-studio (1)"), std::string::npos);
  EXPECT_EQ(manPage(all, {"", false}).find("onestep\\-studio (1)"), std::string::npos)
      << "the CLI-only package's page refers to no studio page";
  EXPECT_NE(completion.find("complete -F _onestep onestep"), std::string::npos);
}

TEST(CliDocs, CompletionOffersTheValuesEachOptionTakes) {
  test::registerDummyMethod();
  const std::string completion = bashCompletion(commands());
  // distill --method: the one-step methods, a registered one among them, never the teacher.
  std::set<std::string> oneStep;
  for (const auto& m : methods())
    if (m.oneStep()) oneStep.insert(m.name);
  EXPECT_EQ(oneStep.count("dummy"), 1u);
  EXPECT_EQ(quotedWordsAfter(completion, "distill:--method) _onestep_reply '"), oneStep);
  // distill --teacher: teachers (and files), no generator.
  const auto teachers = quotedWordsAfter(completion, "distill:--teacher) _onestep_reply '");
  for (const auto& m : shippedModels()) EXPECT_EQ(teachers.count(m.name), m.kind == "teacher" ? 1u : 0u) << m.name;
  EXPECT_FALSE(teachers.empty());
  const std::size_t teacherLine = completion.find("distill:--teacher)");
  EXPECT_NE(completion.substr(teacherLine, completion.find('\n', teacherLine) - teacherLine).find("' files;"),
            std::string::npos)
      << "a teacher may also be a file";
  EXPECT_EQ(quotedWordsAfter(completion, "sample:--sampler) _onestep_reply '"),
            (std::set<std::string>{"heun", "euler"}));
  // A number completes nothing; an output completes file names only.
  EXPECT_NE(completion.find("distill:--steps) return ;;"), std::string::npos);
  EXPECT_NE(completion.find("sample:--out) _onestep_reply '' files;"), std::string::npos);
}

}  // namespace
}  // namespace onestep::cli
