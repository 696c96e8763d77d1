#include <gtest/gtest.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "pix2pix/checkpoint.h"
#include "train_fixtures.h"

namespace fs = std::filesystem;

namespace {

torch::nn::Sequential small_net(int64_t channels) {
  return torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, channels, 3)),
                               torch::nn::BatchNorm2d(channels),
                               torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 1, 1)));
}

// A network, its optimiser after `steps` Adam steps, and what else a checkpoint holds.
struct Training {
  torch::nn::Sequential G = small_net(8);
  torch::nn::Sequential D = small_net(4);
  torch::optim::Adam opt_G{G->parameters(), torch::optim::AdamOptions(1e-2)};
  torch::optim::Adam opt_D{D->parameters(), torch::optim::AdamOptions(1e-2)};
  pix2pix::LrScheduler scheduler{pix2pix::Options{}};
  pix2pix::TrainingProgress progress;
  std::string options = "lr: 0.0002  # default\n";

  void step() {
    for (auto [net, opt] : {std::make_pair(&G, &opt_G), std::make_pair(&D, &opt_D)}) {
      opt->zero_grad();
      (*net)->forward(torch::randn({2, 3, 8, 8})).pow(2).mean().backward();
      opt->step();
    }
  }
  pix2pix::CheckpointParts parts() {
    pix2pix::CheckpointParts p;
    p.generator = G.get();
    p.discriminator = D.get();
    p.optimizer_G = &opt_G;
    p.optimizer_D = &opt_D;
    p.scheduler = &scheduler;
    p.progress = &progress;
    p.options_yaml = &options;
    return p;
  }
};

void expect_same_weights(torch::nn::Module& a, torch::nn::Module& b) {
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  const auto ba = a.named_buffers(), bb = b.named_buffers();
  for (const auto& item : ba) EXPECT_TRUE(torch::equal(item.value(), bb[item.key()])) << item.key();
}

class Checkpoint : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!HasFailure()) folders_.remove_all();
  }
  fs::path temp_dir(const std::string& name) { return folders_.make("ckpt_" + name); }
  pix2pix::testing::TempFolders folders_;
};

}  // namespace

TEST_F(Checkpoint, RoundTripRestoresTrainingExactly) {
  const fs::path dir = temp_dir("roundtrip");
  torch::manual_seed(1);
  Training a;
  a.step();
  a.progress = {3, 7, 57, 0.0, 0};
  pix2pix::save_checkpoint(dir / "latest.pt", a.parts());
  EXPECT_FALSE(fs::exists(dir / "latest.pt.tmp"));
  // what the saved state goes on to produce
  a.step();
  const auto next_draw = torch::rand({4});

  torch::manual_seed(99);
  Training b;
  b.options.clear();
  pix2pix::load_checkpoint(dir / "latest.pt", b.parts(), torch::kCPU, /*restore_rng=*/true);
  EXPECT_EQ(b.progress.epoch, 3);
  EXPECT_EQ(b.progress.epoch_batches, 7);
  EXPECT_EQ(b.progress.global_step, 57);
  EXPECT_EQ(b.options, a.options);
  // same RNG stream, same weights, same Adam moments: the next step is identical
  b.step();
  EXPECT_TRUE(torch::equal(torch::rand({4}), next_draw));
  expect_same_weights(*a.G, *b.G);
  expect_same_weights(*a.D, *b.D);
}

TEST_F(Checkpoint, ShapeMismatchNamesTheTensors) {
  const fs::path dir = temp_dir("shapes");
  Training a;
  pix2pix::CheckpointParts parts;
  parts.generator = a.G.get();
  pix2pix::save_checkpoint(dir / "g.pt", parts);

  auto wider = small_net(16);
  try {
    pix2pix::load_module_from(dir / "g.pt", "G", *wider, torch::kCPU);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("G.0.weight: file [8, 3, 3, 3], network [16, 3, 3, 3]"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find((dir / "g.pt").string()), std::string::npos);
  }
}

TEST_F(Checkpoint, GeneratorOnlyFileLoadsAsGButNotAsATrainingState) {
  const fs::path dir = temp_dir("gonly");
  Training a;
  pix2pix::CheckpointParts parts;
  parts.generator = a.G.get();
  pix2pix::save_checkpoint(dir / "g.pt", parts);

  auto G = small_net(8);
  pix2pix::load_module_from(dir / "g.pt", "G", *G, torch::kCPU);
  expect_same_weights(*a.G, *G);

  Training b;
  EXPECT_THROW(pix2pix::load_checkpoint(dir / "g.pt", b.parts(), torch::kCPU, true),
               std::runtime_error);
}

TEST_F(Checkpoint, MissingAndCorruptFilesAreNamed) {
  const fs::path dir = temp_dir("corrupt");
  Training a;
  try {
    pix2pix::load_checkpoint(dir / "none.pt", a.parts(), torch::kCPU, false);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("none.pt does not exist"), std::string::npos);
  }
  std::ofstream(dir / "bad.pt") << "not a checkpoint";
  try {
    pix2pix::load_checkpoint(dir / "bad.pt", a.parts(), torch::kCPU, false);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be read"), std::string::npos) << e.what();
  }
}

TEST_F(Checkpoint, KillDuringWriteLeavesThePreviousOneLoadable) {
  const fs::path dir = temp_dir("kill");
  torch::manual_seed(2);
  Training a;
  a.progress.global_step = 10;
  pix2pix::save_checkpoint(dir / "latest.pt", a.parts());
  const auto size_before = fs::file_size(dir / "latest.pt");

  // A child process (no parallel work after fork) is killed part-way through writing the next
  // checkpoint.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    a.progress.global_step = 20;
    pix2pix::save_checkpoint(dir / "latest.pt", a.parts(), [](size_t written) {
      if (written > 0) std::raise(SIGKILL);
    });
    _exit(0);  // not reached
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  EXPECT_TRUE(fs::exists(dir / "latest.pt.tmp"));  // the half-written file
  EXPECT_LT(fs::file_size(dir / "latest.pt.tmp"), size_before);
  Training b;
  pix2pix::load_checkpoint(dir / "latest.pt", b.parts(), torch::kCPU, false);
  EXPECT_EQ(b.progress.global_step, 10);
  expect_same_weights(*a.G, *b.G);

  // the next write replaces the leftover temporary file
  pix2pix::save_checkpoint(dir / "latest.pt", a.parts());
  EXPECT_FALSE(fs::exists(dir / "latest.pt.tmp"));
}

TEST_F(Checkpoint, AtomicWriteFailsWithThePath) {
  const fs::path file = temp_dir("atomic") / "x.txt";
  pix2pix::write_file_atomically(file, "hello");
  std::ifstream in(file);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "hello");
  try {
    pix2pix::write_file_atomically(file / "under_a_file.txt", "x");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("x.txt"), std::string::npos) << e.what();
  }
}
