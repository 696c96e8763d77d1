#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "pix2pix/bench.h"

// A small setting: what is checked is that the figures add up, not how fast they are.
TEST(Bench, StepSplitsIntoItsPhasesAndTranslationIsTimed) {
  torch::set_num_threads(1);
  pix2pix::Options o;
  o.device = "cpu";
  o.netG = "unet_128";
  o.crop_size = 128;
  o.load_size = 143;
  o.ngf = 8;
  o.ndf = 8;
  o.batch_size = 2;
  o.num_threads = 1;
  o.bench_steps = 3;
  o.bench_warmup = 1;
  const pix2pix::BenchFigures f = pix2pix::run_bench(o);

  EXPECT_EQ(f.device, "cpu");
  EXPECT_EQ(f.precision, "fp32");
  EXPECT_EQ(f.batch_size, 2);
  EXPECT_EQ(f.size, 128);
  EXPECT_EQ(f.n_steps, 3);
  const double phases = f.data_wait_ms + f.G_forward_ms + f.D_step_ms + f.G_step_ms;
  EXPECT_GT(f.G_forward_ms, 0);
  EXPECT_GT(f.D_step_ms, 0);
  EXPECT_GT(f.G_step_ms, 0);
  EXPECT_LE(phases, f.step_ms * 1.0001);
  EXPECT_GE(phases, f.step_ms * 0.95);  // little time falls between the phases
  EXPECT_NEAR(f.train_images_per_s, 2 * 1000.0 / f.step_ms, 1e-6 * f.train_images_per_s);
  EXPECT_GT(f.translate_images_per_s, 0);
  EXPECT_GT(f.peak_rss_mb, 0);
  EXPECT_EQ(f.cuda_peak_mb, -1);

  const std::string json = pix2pix::to_json(f);
  for (const char* field : {"\"step_ms\": ", "\"data_wait_ms\": ", "\"translate_images_per_s\": ",
                            "\"implementation\": \"pix2pix-cpp\"", "\"precision\": \"fp32\""}) {
    EXPECT_NE(json.find(field), std::string::npos) << field << " in " << json;
  }
}

TEST(Bench, BadSettingsAreRefusedBeforeAnyWork) {
  pix2pix::Options o;
  o.bench_steps = 0;
  EXPECT_THROW(pix2pix::validate(o), std::invalid_argument);
  o.bench_steps = 1;
  o.bench_warmup = -1;
  EXPECT_THROW(pix2pix::validate(o), std::invalid_argument);
}
