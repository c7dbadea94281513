// Run configuration: JSON round trip, --set parsing, validation messages.
#include <gtest/gtest.h>

#include "onestep/config.h"
#include "onestep/error.h"
#include "test_util.h"

using namespace onestep;

TEST(Config, JsonRoundTripKeepsEverySetting) {
  RunConfig c;
  c.data = "fashion-mnist";
  c.steps = 1234;
  c.seed = 99;
  c.net.class_cond = true;
  c.net.channel_mult = "1,2";
  c.teacher.lr = 3e-4;
  c.sampler.sampler = "euler";
  RunConfig d = configFromJson(configToJson(c), "test");
  EXPECT_EQ(configToJson(c), configToJson(d));
  EXPECT_EQ(d.steps, 1234);
  EXPECT_EQ(d.net.channel_mult, "1,2");
  EXPECT_DOUBLE_EQ(d.teacher.lr, 3e-4);
}

TEST(Config, MissingKeysKeepDefaultsUnknownKeysAreErrors) {
  RunConfig d = configFromJson(R"({"steps": 10, "teacher": {"lr": 0.01}})", "cfg");
  EXPECT_EQ(d.steps, 10);
  EXPECT_EQ(d.data, RunConfig{}.data);
  EXPECT_DOUBLE_EQ(d.teacher.lr, 0.01);
  try {
    configFromJson(R"({"teacher": {"lrr": 0.01}})", "cfg.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("teacher.lrr"), std::string::npos) << e.what();
  }
  EXPECT_THROW(configFromJson(R"({"steps": "ten"})", "cfg"), Error);
  EXPECT_THROW(configFromJson(R"({"seed": -1})", "cfg"), Error);
  EXPECT_THROW(configFromJson("{not json", "cfg"), Error);
  EXPECT_THROW(loadConfigFile("/nonexistent/config.json"), Error);
}

TEST(Config, ApplySettingParsesTypesAndShortNames) {
  RunConfig c;
  applySetting(c, "teacher.lr", "2e-4");
  applySetting(c, "grad_clip", "2.5");  // short form of teacher.grad_clip
  applySetting(c, "teacher.ema_halflife", "5000");
  EXPECT_THROW(applySetting(c, "ema_halflife", "1"), Error);  // teacher.* and sid.* both have one
  applySetting(c, "net.class_cond", "true");
  EXPECT_DOUBLE_EQ(c.teacher.lr, 2e-4);
  EXPECT_DOUBLE_EQ(c.teacher.ema_halflife, 5000);
  EXPECT_DOUBLE_EQ(c.teacher.grad_clip, 2.5);
  EXPECT_TRUE(c.net.class_cond);
  EXPECT_THROW(applySetting(c, "steps", "12x"), Error);
  EXPECT_THROW(applySetting(c, "net.class_cond", "maybe"), Error);
  EXPECT_THROW(applySetting(c, "no.such", "1"), Error);
  EXPECT_THROW(applySetting(c, "teacher.lr", "nan"), Error);
  EXPECT_THROW(applySetting(c, "steps", "sigma_min"), Error);
}

TEST(Config, ValidationNamesTheSetting) {
  RunConfig c;
  c.sampler.sampler = "dpm";
  try {
    validateConfig(c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sampler.sampler"), std::string::npos);
  }
  c = RunConfig{};
  c.net.dropout = 1.5;
  EXPECT_THROW(validateConfig(c), Error);
  c = RunConfig{};
  c.sid.loss_scale = 0;
  try {
    validateConfig(c);
    FAIL() << "sid.loss_scale 0 must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sid.loss_scale must be > 0"), std::string::npos) << e.what();
  }
  c = RunConfig{};
  EXPECT_NO_THROW(validateConfig(c));
  EXPECT_GT(listSettings(c).size(), 20u);
}
