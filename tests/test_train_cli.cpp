#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <torch/torch.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "pix2pix/checkpoint.h"
#include "train_fixtures.h"

extern char** environ;
namespace fs = std::filesystem;
using namespace pix2pix::testing;

namespace {

// Starts the pix2pix binary with `args`, its output into `log`.
pid_t spawn_pix2pix(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> argv_text{PIX2PIX_BINARY};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // one intra-op thread, as in the rest of the suite (see test_train.cpp)
  std::vector<std::string> env_text{"OMP_NUM_THREADS=1"};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("OMP_NUM_THREADS=", 0) != 0) env_text.emplace_back(*e);
  }
  std::vector<char*> env;
  for (auto& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);

  pid_t pid = -1;
  const int error = posix_spawn(&pid, PIX2PIX_BINARY, &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  return error == 0 ? pid : -1;
}

size_t count_lines(const fs::path& path) {
  std::ifstream in(path);
  size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

int wait_exit_status(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class TrainCli : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!HasFailure()) folders_.remove_all();
  }
  fs::path fresh_dir(const std::string& name) { return folders_.make(name); }
  TempFolders folders_;
};

}  // namespace

TEST_F(TrainCli, SigintWritesLatestAndExits130) {
  const fs::path dir = fresh_dir("sigint");
  const fs::path data = write_dataset(dir / "data");
  auto args = tiny_args(data, dir / "runs", "run");
  args.insert(args.begin(), "train");
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--n_epochs") args[i + 1] = "1000";  // far longer than the test waits
  }
  const pid_t pid = spawn_pix2pix(args, dir / "console.txt");
  ASSERT_GT(pid, 0);

  // interrupt once a few steps are recorded
  const fs::path losses = dir / "runs" / "run" / "losses.csv";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (count_lines(losses) < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(count_lines(losses), 4u) << read_text(dir / "console.txt");
  kill(pid, SIGINT);
  EXPECT_EQ(wait_exit_status(pid), 128 + SIGINT) << read_text(dir / "console.txt");

  const std::string console = read_text(dir / "console.txt");
  EXPECT_NE(console.find("SIGINT received"), std::string::npos) << console;
  EXPECT_NE(console.find("pix2pix train --resume " + (dir / "runs" / "run").string()),
            std::string::npos);

  pix2pix::TrainingProgress progress;
  pix2pix::CheckpointParts parts;
  parts.progress = &progress;
  pix2pix::load_checkpoint(dir / "runs" / "run" / "latest.pt", parts, torch::kCPU, false);
  EXPECT_GE(progress.global_step, 3);
  EXPECT_EQ(count_lines(losses), static_cast<size_t>(progress.global_step) + 1);

  // it continues from there with no other flag than a shorter length: to the end of the epoch
  const int64_t epoch = progress.epoch;
  const pid_t resumed =
      spawn_pix2pix({"train", "--resume", (dir / "runs" / "run").string(), "--n_epochs",
                     std::to_string(epoch), "--n_epochs_decay", "0"},
                    dir / "resume.txt");
  ASSERT_GT(resumed, 0);
  EXPECT_EQ(wait_exit_status(resumed), 0) << read_text(dir / "resume.txt");
  pix2pix::load_checkpoint(dir / "runs" / "run" / "latest.pt", parts, torch::kCPU, false);
  EXPECT_EQ(progress.epoch, epoch + 1);
  EXPECT_EQ(progress.global_step, 4 * epoch);  // 4 batches an epoch
  EXPECT_EQ(count_lines(losses), static_cast<size_t>(4 * epoch) + 1);
}

TEST_F(TrainCli, ExistingRunIsRefusedWithExitStatusOne) {
  const fs::path dir = fresh_dir("refuse");
  fs::create_directories(dir / "runs" / "run");
  std::ofstream(dir / "runs" / "run" / "options.yaml") << "ngf: 8\n";
  const fs::path data = write_dataset(dir / "data");
  auto args = tiny_args(data, dir / "runs", "run");
  args.insert(args.begin(), "train");
  const pid_t pid = spawn_pix2pix(args, dir / "console.txt");
  ASSERT_GT(pid, 0);
  EXPECT_EQ(wait_exit_status(pid), 1);
  EXPECT_NE(read_text(dir / "console.txt").find("stopped before its first checkpoint"),
            std::string::npos);
  EXPECT_EQ(read_text(dir / "runs" / "run" / "options.yaml"), "ngf: 8\n");
}
