#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "pix2pix/cli.h"
#include "pix2pix/options.h"

namespace fs = std::filesystem;
using pix2pix::OptionSource;

namespace {

fs::path write_config(const std::string& name, const std::string& text) {
  const fs::path path = fs::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(Options, DefaultsFollowThePaper) {
  const pix2pix::Options o;
  EXPECT_EQ(o.load_size, 286);
  EXPECT_EQ(o.crop_size, 256);
  EXPECT_DOUBLE_EQ(o.lr, 0.0002);
  EXPECT_DOUBLE_EQ(o.beta1, 0.5);
  EXPECT_DOUBLE_EQ(o.lambda_L1, 100.0);
  EXPECT_EQ(o.n_epochs, 100);
  EXPECT_EQ(o.n_epochs_decay, 100);
  EXPECT_EQ(o.netG, "unet_256");
  EXPECT_EQ(o.netD, "basic");
  EXPECT_EQ(o.gan_mode, "vanilla");
  EXPECT_DOUBLE_EQ(o.init_gain, 0.02);
}

TEST(Options, CommandLineWinsOverConfigFile) {
  const auto config = write_config("p2p_opts.yaml", "lr: 0.001\nbatch_size: 4\nno_flip: true\n");
  const auto r = pix2pix::parse_options(
      "train", {"--config", config.string(), "--batch_size", "8", "--load-size", "300"},
      pix2pix::kGroupData | pix2pix::kGroupTrain);
  EXPECT_DOUBLE_EQ(r.values.lr, 0.001);
  EXPECT_EQ(r.values.batch_size, 8);
  EXPECT_EQ(r.values.load_size, 300);
  EXPECT_TRUE(r.values.no_flip);
  EXPECT_EQ(r.sources.at("lr"), OptionSource::ConfigFile);
  EXPECT_EQ(r.sources.at("batch_size"), OptionSource::CommandLine);
  EXPECT_EQ(r.sources.count("n_epochs"), 0u);

  const std::string yaml = pix2pix::to_yaml(r, pix2pix::kGroupData | pix2pix::kGroupTrain);
  EXPECT_NE(yaml.find("batch_size: 8  # command line"), std::string::npos);
  EXPECT_NE(yaml.find("lr: 0.001  # config file"), std::string::npos);
  EXPECT_NE(yaml.find("n_epochs: 100  # default"), std::string::npos);
}

TEST(Options, UnknownConfigKeyNamesFileAndKey) {
  const auto config = write_config("p2p_bad.yaml", "learning_rate: 0.1\n");
  try {
    pix2pix::parse_options("train", {"--config", config.string()}, pix2pix::kGroupTrain);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("learning_rate"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(config.string()), std::string::npos);
  }
}

TEST(Options, BadValuesAreRejected) {
  EXPECT_THROW(pix2pix::parse_options("train", {"--lr", "fast"}, pix2pix::kGroupTrain),
               std::invalid_argument);
  EXPECT_THROW(pix2pix::parse_options("train", {"--direction", "AtoC"}, pix2pix::kGroupData),
               std::invalid_argument);
  EXPECT_THROW(pix2pix::parse_options("train", {"--crop_size", "300"}, pix2pix::kGroupData),
               std::invalid_argument);
  EXPECT_THROW(pix2pix::parse_options("train", {"--unknown"}, pix2pix::kGroupTrain),
               std::invalid_argument);
  EXPECT_THROW(pix2pix::parse_options("train", {"stray"}, pix2pix::kGroupTrain),
               std::invalid_argument);
  EXPECT_THROW(pix2pix::parse_options("train", {"--num_threads", "257"}, pix2pix::kGroupData),
               std::invalid_argument);
  EXPECT_NO_THROW(pix2pix::parse_options("train", {"--num_threads", "256"}, pix2pix::kGroupData));
}

TEST(Options, FlagsTakeOptionalValues) {
  auto r = pix2pix::parse_options("test", {"--no_flip", "--eval=false"},
                                  pix2pix::kGroupData | pix2pix::kGroupTest);
  EXPECT_TRUE(r.values.no_flip);
  EXPECT_FALSE(r.values.eval);

  r = pix2pix::parse_options("test", {"--eval", "false", "--no_flip", "yes"},
                             pix2pix::kGroupData | pix2pix::kGroupTest);
  EXPECT_FALSE(r.values.eval);
  EXPECT_TRUE(r.values.no_flip);
}

TEST(Options, EveryShippedConfigParses) {
  const fs::path configs = fs::path(PIX2PIX_SOURCE_DIR) / "configs";
  int n_configs = 0;
  for (const auto& entry : fs::directory_iterator(configs)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    const unsigned all = pix2pix::kGroupData | pix2pix::kGroupNetwork | pix2pix::kGroupTrain |
                         pix2pix::kGroupTest | pix2pix::kGroupDevice;
    const auto r = pix2pix::parse_options("train", {"--config", entry.path().string()}, all);
    EXPECT_FALSE(r.values.dataroot.empty());
    ++n_configs;
  }
  EXPECT_GE(n_configs, 7);
}
