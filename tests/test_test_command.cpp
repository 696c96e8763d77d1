#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <sys/wait.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pix2pix/networks.h"
#include "pix2pix/options.h"

namespace fs = std::filesystem;

namespace {

fs::path fresh_folder(const std::string& name) {
  const fs::path folder = fs::temp_directory_path() / ("p2p_test_command_" + name);
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

cv::Mat random_image(int rows, int cols, int type) {
  cv::Mat image(rows, cols, type);
  cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(CV_MAT_DEPTH(type) == CV_16U ? 65535 : 255));
  return image;
}

void write(const fs::path& path, const cv::Mat& image) {
  fs::create_directories(path.parent_path());
  ASSERT_TRUE(cv::imwrite(path.string(), image)) << path;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs the binary with `args`; returns its exit status, with its output in `log`.
int run_pix2pix(const std::string& args, const fs::path& log) {
  const std::string command =
      std::string(PIX2PIX_BINARY) + " " + args + " > " + log.string() + " 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A tiny training run: two aligned 256 x 512 pairs, unet_256 with 8 filters, one epoch.
fs::path train_tiny_run(const fs::path& root) {
  for (const char* name : {"1.png", "2.png"})
    write(root / "data" / "train" / name, random_image(256, 512, CV_8UC3));
  const int status = run_pix2pix(
      "train --dataroot " + (root / "data").string() + " --name tiny --checkpoints_dir " +
          (root / "checkpoints").string() +
          " --netG unet_256 --ngf 8 --ndf 8 --n_epochs 1 --n_epochs_decay 0 --load_size 256"
          " --crop_size 256 --device cpu --num_threads 0 --save_epoch_freq 1 --print_freq 1",
      root / "train.log");
  EXPECT_EQ(status, 0) << read_file(root / "train.log");
  return root / "checkpoints" / "tiny";
}

// A run folder as training writes one, with an untrained generator: options.yaml and a
// checkpoint latest.pt whose archive "G" holds the generator.
fs::path write_untrained_run(const fs::path& run, const pix2pix::Options& options) {
  fs::create_directories(run);
  std::ofstream(run / "options.yaml") << pix2pix::to_yaml({options, {}}, ~0u);
  torch::manual_seed(1);
  auto generator = pix2pix::make_generator(pix2pix::generator_config(options));
  torch::serialize::OutputArchive archive, sub;
  generator->save(sub);
  archive.write("G", sub);
  archive.save_to((run / "latest.pt").string());
  return run;
}

// An untrained ResNet generator with 8 filters and instance norm, small and fast.
fs::path write_untrained_resnet(const fs::path& run) {
  pix2pix::Options options;
  options.netG = "resnet_6blocks";
  options.ngf = 8;
  options.norm = "instance";
  return write_untrained_run(run, options);
}

// Translates a folder with `run`: names, sizes, eval mode deterministic, train mode not.
void check_translation(const fs::path& root, const fs::path& run) {
  write(root / "in" / "wide.png", random_image(200, 300, CV_8UC3));
  write(root / "in" / "sub" / "small.jpg", random_image(50, 70, CV_8UC1));
  const std::string common =
      "test " + (root / "in").string() + " --name " + run.string() + " --device cpu --results_dir ";

  // eval mode: two runs write the same bytes
  ASSERT_EQ(run_pix2pix(common + (root / "eval").string(), root / "eval.log"), 0)
      << read_file(root / "eval.log");
  const fs::path images = root / "eval" / run.filename() / "test_latest" / "images";
  EXPECT_EQ(cv::imread((images / "wide.png").string()).size(), cv::Size(300, 200));
  EXPECT_EQ(cv::imread((images / "sub" / "small.png").string()).size(), cv::Size(70, 50));
  const std::string log = read_file(root / "eval.log");
  EXPECT_NE(log.find("dataset_mode single"), std::string::npos) << log;
  EXPECT_NE(log.find("images/s"), std::string::npos) << log;
  const std::string first = read_file(images / "wide.png");

  // Without --overwrite the outputs stay; with it, eval mode reproduces them exactly.
  EXPECT_NE(run_pix2pix(common + (root / "eval").string(), root / "again.log"), 0);
  ASSERT_EQ(run_pix2pix(common + (root / "eval").string() + " --overwrite", root / "again.log"), 0);
  EXPECT_EQ(read_file(images / "wide.png"), first);

  // train mode (the paper's): batch statistics and dropout noise, different on each run
  for (const char* out : {"train1", "train2"}) {
    ASSERT_EQ(run_pix2pix(common + (root / out).string() + " --eval=false", root / "t.log"), 0)
        << read_file(root / "t.log");
  }
  const auto in_train = [&root, &run](const char* out) {
    return read_file(root / out / run.filename() / "test_latest" / "images" / "wide.png");
  };
  EXPECT_NE(in_train("train1"), in_train("train2"));
  EXPECT_NE(in_train("train1"), first);
}

}  // namespace

TEST(TestCommand, TinyTrainingRunTranslatesFoldersAndPairedSets) {
  const fs::path root = fresh_folder("tiny");
  const fs::path run = train_tiny_run(root);
  ASSERT_TRUE(fs::exists(run / "latest.pt")) << read_file(root / "train.log");
  check_translation(root, run);

  // The training pairs as a paired set: the phase folder makes it aligned; metrics per image.
  ASSERT_EQ(run_pix2pix("test --dataroot " + (root / "data").string() +
                            " --phase train --name tiny --checkpoints_dir " +
                            (root / "checkpoints").string() + " --epoch 1 --device cpu" +
                            " --results_dir " + (root / "paired").string(),
                        root / "paired.log"),
            0)
      << read_file(root / "paired.log");
  const std::string log = read_file(root / "paired.log");
  EXPECT_NE(log.find("dataset_mode aligned"), std::string::npos) << log;
  EXPECT_NE(log.find("mean L1"), std::string::npos) << log;
  const fs::path out = root / "paired" / "tiny" / "train_1";
  const std::string csv = read_file(out / "metrics.csv");
  EXPECT_EQ(csv.rfind("name,width,height,l1,psnr,ssim\n1.png,256,256,", 0), 0u) << csv;
  EXPECT_NE(csv.find("\n2.png,256,256,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nmean,,,"), std::string::npos) << csv;
  EXPECT_NE(read_file(out / "index.html").find("page/target/2.png"), std::string::npos);
}

TEST(TestCommand, MixedFolderNamesTheCorruptFileAndFails) {
  const fs::path root = fresh_folder("mixed");
  const fs::path run = write_untrained_resnet(root / "checkpoints" / "untrained");

  write(root / "in" / "gray.jpg", random_image(30, 40, CV_8UC1));
  write(root / "in" / "alpha.png", random_image(33, 21, CV_8UC4));
  write(root / "in" / "sixteen.png", random_image(24, 24, CV_16UC3));
  std::ofstream(root / "in" / "broken.png") << "not an image";

  const int status = run_pix2pix("translate " + (root / "in").string() + " --name " + run.string() +
                                     " --device cpu --results_dir " + (root / "out").string(),
                                 root / "log");
  const std::string log = read_file(root / "log");
  EXPECT_EQ(status, 1) << log;
  EXPECT_NE(log.find("1 of 4 inputs failed"), std::string::npos) << log;
  EXPECT_NE(log.find("broken.png"), std::string::npos) << log;
  size_t n_outputs = 0;
  for (const auto& entry :
       fs::recursive_directory_iterator(root / "out" / "untrained" / "test_latest" / "images")) {
    n_outputs += entry.is_regular_file();
  }
  EXPECT_EQ(n_outputs, 3u);
}

TEST(TestCommand, ATileTheGeneratorCannotTakeIsRefusedBeforeAnyImage) {
  const fs::path root = fresh_folder("tile");
  const fs::path run = write_untrained_resnet(root / "checkpoints" / "untrained");
  for (const char* name : {"a.png", "b.png", "c.png"}) {
    write(root / "in" / name, random_image(40, 40, CV_8UC3));
  }
  const int status =
      run_pix2pix("translate " + (root / "in").string() + " --name " + run.string() +
                      " --tile 2 --device cpu --results_dir " + (root / "out").string(),
                  root / "log");
  const std::string log = read_file(root / "log");
  EXPECT_NE(status, 0) << log;
  const std::string hint =
      "tile 2 is not a multiple of 4, which this generator needs; use --tile 4";
  ASSERT_NE(log.find(hint), std::string::npos) << log;
  EXPECT_EQ(log.find(hint, log.find(hint) + 1), std::string::npos) << "said more than once:\n"
                                                                   << log;
  EXPECT_EQ(log.find("--tile 4 or 4"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(root / "out")) << "nothing is written for a refused setting";
}
