#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pix2pix/checkpoint.h"
#include "pix2pix/model.h"
#include "pix2pix/run_files.h"
#include "pix2pix/trainer.h"
#include "train_fixtures.h"

namespace fs = std::filesystem;
using namespace pix2pix::testing;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::vector<std::string>> read_csv(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream fields_in(line);
    std::string field;
    while (std::getline(fields_in, field, ',')) fields.push_back(field);
    rows.push_back(fields);
  }
  return rows;
}

// G and D of a checkpoint, built from the run's options.
struct LoadedNetworks {
  pix2pix::Generator G;
  pix2pix::Discriminator D;
  pix2pix::TrainingProgress progress;
};

LoadedNetworks load_networks(const fs::path& run, const std::string& epoch = "latest") {
  const pix2pix::Options options = pix2pix::load_run_options(pix2pix::RunFolder{run});
  LoadedNetworks n{pix2pix::make_generator(pix2pix::generator_config(options)),
                   pix2pix::make_discriminator(pix2pix::discriminator_config(options)),
                   {}};
  pix2pix::CheckpointParts parts;
  parts.generator = n.G.get();
  parts.discriminator = n.D.get();
  parts.progress = &n.progress;
  pix2pix::load_checkpoint(run / (epoch + ".pt"), parts, torch::kCPU, false);
  return n;
}

void expect_identical(torch::nn::Module& a, torch::nn::Module& b) {
  auto pa = a.named_parameters();
  auto pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& item : pa) {
    EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  }
  auto ba = a.named_buffers();
  auto bb = b.named_buffers();
  for (const auto& item : ba) {
    EXPECT_TRUE(torch::equal(item.value(), bb[item.key()])) << item.key();
  }
}

// One intra-op thread: the suite shares its cores with the other tests, and oversubscribed
// OpenMP threads slow a step from milliseconds to seconds.
class Train : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
  void TearDown() override {
    if (!HasFailure()) folders_.remove_all();
  }
  fs::path fresh_dir(const std::string& name) { return folders_.make(name); }
  TempFolders folders_;
};

}  // namespace

TEST_F(Train, PhaseChoosesTheTrainingFolder) {
  const fs::path dir = fresh_dir("phase");
  const fs::path data = write_dataset(dir / "data");
  write_pairs(data / "trainval", 4, 64, 5);  // half of train's 8 pairs
  const auto result =
      pix2pix::train(parse_train(tiny_args(data, dir / "runs", "phase"), {"--phase", "trainval"}));
  EXPECT_EQ(result.global_step, 4);  // 2 epochs of 2 batches of 2, where train/ would give 8
}

TEST_F(Train, TinyRunWritesEveryFileWithFiniteLosses) {
  const fs::path dir = fresh_dir("tiny");
  const fs::path data = write_dataset(dir / "data");
  const auto start = std::chrono::steady_clock::now();
  const auto result =
      pix2pix::train(parse_train(tiny_args(data, dir / "runs", "tiny"), {"--eval_phase", "test"}));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "tiny run: " << seconds << " s\n";

  const fs::path run = dir / "runs" / "tiny";
  EXPECT_EQ(result.run, run);
  EXPECT_FALSE(result.interrupted);
  EXPECT_EQ(result.global_step, 8);  // 2 epochs of 4 batches of 2
  for (const char* file :
       {"options.yaml", "train.log", "losses.csv", "loss_curves.png", "index.html", "latest.pt",
        "1.pt", "2.pt", "val.csv", "val_curves.png", "heldout.yaml",
        "samples/epoch001_step00000003.png", "samples/epoch002_step00000006.png"}) {
    EXPECT_TRUE(fs::exists(run / file)) << file;
  }
  EXPECT_FALSE(fs::exists(run / "latest.pt.tmp"));

  // options with their sources
  const std::string options = read_text(run / "options.yaml");
  EXPECT_NE(options.find("ngf: 8  # command line"), std::string::npos);
  EXPECT_NE(options.find("lambda_L1: 100  # default"), std::string::npos);

  // one row a step, finite losses, the linear schedule's rate per epoch
  const auto rows = read_csv(run / "losses.csv");
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"epoch", "step", "G_GAN", "G_L1", "D_real", "D_fake",
                                               "lr", "step_time", "data_wait"}));
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 9u);
    EXPECT_EQ(std::stoll(rows[i][1]), static_cast<long long>(i));
    for (size_t j = 2; j < 6; ++j) EXPECT_TRUE(std::isfinite(std::stod(rows[i][j])));
    EXPECT_NEAR(std::stod(rows[i][6]), i <= 4 ? 2e-4 : 1e-4, 1e-10);
  }

  const std::string log = read_text(run / "train.log");
  EXPECT_NE(log.find("G: resnet_6blocks, "), std::string::npos);
  EXPECT_NE(log.find(" M parameters"), std::string::npos);
  EXPECT_NE(log.find("epoch 2/2 [4/4] step 8"), std::string::npos) << log;
  EXPECT_NE(log.find("held-out test set (2 pairs)"), std::string::npos);

  const std::string html = read_text(run / "index.html");
  EXPECT_NE(html.find("src=\"samples/epoch002_step00000006.png\""), std::string::npos);
  EXPECT_NE(html.find("src=\"loss_curves.png\""), std::string::npos);
  EXPECT_NE(html.find("src=\"val_curves.png\""), std::string::npos);
  EXPECT_NE(html.find("mean training image"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // nothing fetched from outside

  ASSERT_TRUE(result.held_out.has_value());
  EXPECT_EQ(result.held_out->trained.images, 2);
  EXPECT_TRUE(std::isfinite(result.held_out->trained.mean_l1));
  EXPECT_EQ(read_csv(run / "val.csv").size(), 3u);

  // the checkpoint continues after the last epoch
  const auto loaded = load_networks(run);
  EXPECT_EQ(loaded.progress.epoch, 3);
  EXPECT_EQ(loaded.progress.global_step, 8);
  // load_generator (the translation helper) reads the same file
  auto G = pix2pix::load_generator(pix2pix::RunFolder{run}, "2", torch::kCPU);
  expect_identical(*G, *loaded.G);
}

TEST_F(Train, ResumeGivesTheSameWeightsAsAStraightRun) {
  const fs::path dir = fresh_dir("resume");
  const fs::path data = write_dataset(dir / "data");
  const auto args = tiny_args(data, dir / "runs", "straight");
  pix2pix::train(parse_train(args));

  // the same run stopped by SIGINT in the middle of epoch 1, then resumed with no other flag
  auto args_b = tiny_args(data, dir / "runs", "stopped");
  pix2pix::TrainHooks hooks;
  hooks.after_step = [](int64_t step, pix2pix::Pix2PixModel&) {
    if (step == 2) std::raise(SIGINT);
  };
  const auto stopped = pix2pix::train(parse_train(args_b), hooks);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_EQ(stopped.global_step, 2);
  const auto resumed = pix2pix::train(
      parse_train({"--resume", (dir / "runs" / "stopped").string(), "--device", "cpu"}));
  EXPECT_FALSE(resumed.interrupted);
  EXPECT_EQ(resumed.global_step, 8);

  auto a = load_networks(dir / "runs" / "straight");
  auto b = load_networks(dir / "runs" / "stopped");
  expect_identical(*a.G, *b.G);
  expect_identical(*a.D, *b.D);
  // the loss record of the resumed run has each step once
  EXPECT_EQ(read_csv(dir / "runs" / "stopped" / "losses.csv").size(), 9u);
  EXPECT_NE(read_text(dir / "runs" / "stopped" / "train.log").find("--resume"), std::string::npos);
}

TEST_F(Train, ResumeAtAnEpochBoundaryGivesTheSameWeights) {
  const fs::path dir = fresh_dir("resume_epoch");
  const fs::path data = write_dataset(dir / "data");
  pix2pix::train(parse_train(tiny_args(data, dir / "runs", "straight")));

  // 1 epoch, then resume for 1 more: extending n_epochs_decay keeps epoch 1's rate
  auto one = tiny_args(data, dir / "runs", "extended");
  pix2pix::train(parse_train(one, {"--n_epochs_decay", "0"}));
  EXPECT_EQ(load_networks(dir / "runs" / "extended").progress.epoch, 2);
  pix2pix::train(
      parse_train({"--resume", (dir / "runs" / "extended").string(), "--n_epochs_decay", "1"}));

  auto a = load_networks(dir / "runs" / "straight");
  auto b = load_networks(dir / "runs" / "extended");
  expect_identical(*a.G, *b.G);
  expect_identical(*a.D, *b.D);
}

TEST_F(Train, NanLossStopsTheRunAndKeepsTheLastCheckpoint) {
  const fs::path dir = fresh_dir("nan");
  const fs::path data = write_dataset(dir / "data");
  pix2pix::TrainHooks hooks;
  hooks.after_step = [](int64_t step, pix2pix::Pix2PixModel& model) {
    if (step != 5) return;  // after the step: step 6's losses are NaN
    torch::NoGradGuard no_grad;
    model.generator()->parameters().front().fill_(std::nan(""));
  };
  const fs::path run = dir / "runs" / "nan";
  try {
    pix2pix::train(parse_train(tiny_args(data, dir / "runs", "nan")), hooks);
    FAIL() << "expected the run to stop";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("non-finite loss at epoch 2, step 6"), std::string::npos) << message;
    EXPECT_NE(message.find("latest.pt"), std::string::npos) << message;
  }
  // latest is the one of step 4 (the end of epoch 1), whole and finite
  const auto loaded = load_networks(run);
  EXPECT_EQ(loaded.progress.global_step, 4);
  for (const auto& p : loaded.G->parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
  EXPECT_NE(read_text(run / "train.log").find("non-finite"), std::string::npos);
}

TEST_F(Train, BadInputFailsBeforeAnyWork) {
  const fs::path dir = fresh_dir("bad");
  const fs::path data = write_dataset(dir / "data");
  auto expect_error = [](const pix2pix::ResolvedOptions& options, const std::string& needle) {
    try {
      pix2pix::train(options);
      ADD_FAILURE() << "expected an error containing '" << needle << "'";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };

  expect_error(parse_train(tiny_args(dir / "nowhere", dir / "runs", "a")), "does not exist");
  EXPECT_FALSE(fs::exists(dir / "runs" / "a"));

  fs::create_directories(dir / "empty" / "train");
  expect_error(parse_train(tiny_args(dir / "empty", dir / "runs", "a")), "train");
  EXPECT_FALSE(fs::exists(dir / "runs" / "a"));

  // a corrupt file anywhere in train/ stops the run before it starts, naming the file
  const fs::path corrupt = write_dataset(dir / "corrupt");
  std::ofstream(corrupt / "train" / "7.png", std::ios::trunc) << "not an image";
  expect_error(parse_train(tiny_args(corrupt, dir / "runs", "a")), "7.png");
  EXPECT_FALSE(fs::exists(dir / "runs" / "a"));

  // settings that would fail only inside the first step or after the last, before any file
  expect_error(parse_train(tiny_args(data, dir / "runs", "a"), {"--netG", "unet_128"}),
               "crop_size 64 does not fit netG unet_128, which takes multiples of 128");
  EXPECT_FALSE(fs::exists(dir / "runs" / "a"));
  expect_error(parse_train(tiny_args(data, dir / "runs", "a"), {"--eval_phase", "holdout"}),
               "holdout");
  EXPECT_FALSE(fs::exists(dir / "runs" / "a"));
  expect_error(parse_train(tiny_args(data, dir / "runs", "a"),
                           {"--preprocess", "scale_width", "--load_size", "66"}),
               "preprocess scale_width makes it 66x66 (from 64x64), but the generator needs sides "
               "that are multiples of 4");
  EXPECT_FALSE(fs::exists(dir / "runs" / "a"));
  expect_error(
      parse_train(tiny_args(data, dir / "runs", "a"), {"--batch_size", "9", "--drop_last"}),
      "holds 8 pairs, fewer than batch_size 9, and drop_last would leave no batch");
  EXPECT_FALSE(fs::exists(dir / "runs" / "a"));

  std::ofstream(dir / "a_file") << "x";
  expect_error(parse_train(tiny_args(data, dir / "a_file" / "runs", "a")),
               "cannot create the run folder");

  // an existing run is neither replaced nor touched without --overwrite
  auto args = tiny_args(data, dir / "runs", "done");
  pix2pix::train(parse_train(args, {"--n_epochs_decay", "0"}));
  const fs::path latest = dir / "runs" / "done" / "latest.pt";
  const auto written = fs::last_write_time(latest);
  expect_error(parse_train(args), "already holds a run");
  expect_error(parse_train({"--resume", (dir / "runs" / "done").string(), "--ngf", "16"}),
               "ngf: 8 vs 16");
  EXPECT_EQ(fs::last_write_time(latest), written);
  expect_error(parse_train({"--resume", (dir / "runs" / "missing").string()}), "not found");

  // a run that stopped before its first checkpoint has nothing to resume: the error says so
  fs::create_directories(dir / "runs" / "early");
  std::ofstream(dir / "runs" / "early" / "options.yaml") << "ngf: 8\n";
  expect_error(parse_train(tiny_args(data, dir / "runs", "early")),
               "stopped before its first checkpoint, so there is nothing to resume; start it "
               "again with --overwrite");

  // --overwrite starts afresh
  const auto again = pix2pix::train(parse_train(args, {"--n_epochs_decay", "0", "--overwrite"}));
  EXPECT_EQ(again.global_step, 4);
  EXPECT_EQ(read_csv(dir / "runs" / "done" / "losses.csv").size(), 5u);
}
