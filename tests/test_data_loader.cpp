#include <gtest/gtest.h>

#include <set>

#include "data_test_util.h"
#include "pix2pix/dataset.h"
#include "pix2pix/image_io.h"

namespace pix2pix {
namespace {

using testing::TempDir;

// Ten aligned 32x16 pairs, each a distinct shade, under <dir>/train.
class DataLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 10; ++i) {
      write_image(dir_ / ("train/" + std::to_string(i) + ".png"),
                  testing::solid(32, 16, {double(20 * i), 0, 0}));
    }
    options_.dataroot = dir_.str();
    options_.load_size = 16;
    options_.crop_size = 12;
    options_.batch_size = 3;
    options_.num_threads = 2;
    options_.seed = 5;
    dataset_ = std::make_shared<PairedDataset>(options_, "train");
  }

  struct Epoch {
    std::vector<std::string> paths;
    std::vector<size_t> batch_sizes;
    std::vector<torch::Tensor> real_a;
  };

  Epoch run(const Options& options, int64_t epoch, size_t skip = 0) {
    DataLoader loader(dataset_, options, false);
    loader.start_epoch(epoch, skip);
    Epoch out;
    while (auto batch = loader.next()) {
      out.paths.insert(out.paths.end(), batch->paths.begin(), batch->paths.end());
      out.batch_sizes.push_back(size_t(batch->real_A.size(0)));
      out.real_a.push_back(batch->real_A);
      EXPECT_EQ(batch->real_B.sizes(), batch->real_A.sizes());
    }
    return out;
  }

  TempDir dir_;
  Options options_;
  std::shared_ptr<PairedDataset> dataset_;
};

TEST_F(DataLoaderTest, AnEpochYieldsEverySampleExactlyOnce) {
  const Epoch epoch = run(options_, 1);
  EXPECT_EQ(epoch.batch_sizes, (std::vector<size_t>{3, 3, 3, 1}));
  EXPECT_EQ(std::set<std::string>(epoch.paths.begin(), epoch.paths.end()).size(), 10u);
  EXPECT_EQ(epoch.real_a[0].sizes(), (std::vector<int64_t>{3, 3, 12, 12}));

  Options drop = options_;
  drop.drop_last = true;
  EXPECT_EQ(run(drop, 1).batch_sizes, (std::vector<size_t>{3, 3, 3}));
  EXPECT_EQ(DataLoader(dataset_, drop, false).batches_per_epoch(), 3u);
}

TEST_F(DataLoaderTest, ShuffleIsReproducibleFromTheSeedAndDiffersAcrossEpochs) {
  const Epoch first = run(options_, 1);
  const Epoch again = run(options_, 1);
  EXPECT_EQ(first.paths, again.paths);
  for (size_t b = 0; b < first.real_a.size(); ++b)
    EXPECT_TRUE(first.real_a[b].equal(again.real_a[b]));
  EXPECT_NE(run(options_, 2).paths, first.paths);

  Options other_seed = options_;
  other_seed.seed = 6;
  EXPECT_NE(run(other_seed, 1).paths, first.paths);

  Options serial = options_;
  serial.serial_batches = true;
  EXPECT_EQ(run(serial, 3).paths, dataset_->paths());
}

TEST_F(DataLoaderTest, WorkersDoNotChangeWhatIsLoaded) {
  Options inline_loading = options_;
  inline_loading.num_threads = 0;
  Options many = options_;
  many.num_threads = 4;
  const Epoch a = run(inline_loading, 4), b = run(many, 4);
  ASSERT_EQ(a.paths, b.paths);
  for (size_t i = 0; i < a.real_a.size(); ++i) EXPECT_TRUE(a.real_a[i].equal(b.real_a[i]));
}

TEST_F(DataLoaderTest, SkipBatchesResumesWithTheSameRemainingSamples) {
  const Epoch full = run(options_, 3);
  const Epoch resumed = run(options_, 3, 2);
  ASSERT_EQ(resumed.batch_sizes, (std::vector<size_t>{3, 1}));
  EXPECT_EQ(resumed.paths, std::vector<std::string>(full.paths.begin() + 6, full.paths.end()));
  EXPECT_TRUE(resumed.real_a[0].equal(full.real_a[2]));  // same crops and flips

  DataLoader loader(dataset_, options_, false);
  EXPECT_THROW(loader.start_epoch(1, 5), std::invalid_argument);
  EXPECT_TRUE((loader.start_epoch(1, 4), !loader.next().has_value()));
}

TEST_F(DataLoaderTest, AWorkerErrorIsRethrownNamingTheFile) {
  testing::write_text(dir_ / "train/5.png", "corrupt");
  for (int threads : {0, 2}) {
    Options o = options_;
    o.num_threads = threads;
    o.serial_batches = true;
    DataLoader loader(dataset_, o, false);
    loader.start_epoch(1);
    EXPECT_TRUE(loader.next().has_value());  // 0, 1, 2
    try {
      loader.next();  // 3, 4, 5
      ADD_FAILURE() << "expected the corrupt file's error";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(dir_ / "train/5.png"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(loader.next().has_value());  // the epoch ended with the error
  }
}

TEST_F(DataLoaderTest, DestroyingMidEpochStopsTheWorkers) {
  for (int i = 0; i < 5; ++i) {
    DataLoader loader(dataset_, options_, true);  // pinning is skipped without CUDA
    loader.start_epoch(i);
    ASSERT_TRUE(loader.next().has_value());
  }
  SUCCEED();
}

}  // namespace
}  // namespace pix2pix
