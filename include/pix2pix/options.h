#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pix2pix {

// Every setting of every subcommand. Names follow the reference PyTorch implementation wherever
// the concept is the same, so that users' commands and config files carry over.
struct Options {
  // run and data
  std::string config;  // YAML file whose keys are the option names below
  std::string dataroot;
  std::string name = "experiment";
  std::string checkpoints_dir = "checkpoints";
  std::string dataset_mode = "aligned";  // aligned | folders | single (test also takes auto)
  std::string direction = "AtoB";        // AtoB | BtoA
  std::string dir_A;  // folders mode: the A images, instead of <dataroot>/<phase>/A
  std::string dir_B;  // folders mode: the B images, instead of <dataroot>/<phase>/B
  std::string phase = "train";
  int input_nc = 3;
  int output_nc = 3;
  int load_size = 286;
  int crop_size = 256;
  std::string preprocess =
      "resize_and_crop";  // resize_and_crop|crop|scale_width|scale_width_and_crop|none
  bool no_flip = false;
  int max_dataset_size = 0;  // 0: no limit
  bool serial_batches = false;
  int num_threads = 4;
  int batch_size = 1;
  bool drop_last = false;
  uint64_t seed = 0;

  // networks
  std::string netG = "unet_256";  // unet_256 | unet_128 | resnet_9blocks | resnet_6blocks
  std::string netD = "basic";     // basic | n_layers | pixel
  int ngf = 64;
  int ndf = 64;
  int n_layers_D = 3;
  std::string norm = "batch";  // batch | instance | none
  std::string init_type = "normal";
  double init_gain = 0.02;
  bool no_dropout = false;

  // training
  int n_epochs = 100;
  int n_epochs_decay = 100;
  int epoch_count = 1;
  double lr = 0.0002;
  double beta1 = 0.5;
  double beta2 = 0.999;
  std::string gan_mode = "vanilla";  // vanilla | lsgan | wgangp
  double lambda_L1 = 100.0;
  double lambda_gp = 10.0;
  std::string lr_policy = "linear";  // linear | step | plateau | cosine
  int lr_decay_iters = 50;
  int print_freq = 100;
  int display_freq = 400;  // sample images every N steps
  int save_latest_freq = 5000;
  int save_epoch_freq = 5;
  std::string resume;  // run folder (or its name under checkpoints_dir) to continue
  bool overwrite = false;
  std::string eval_phase;  // at the end, compare G on this phase with an untrained G and a mean
                           // training image (empty: no comparison)

  // device and precision
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  std::string amp = "none";     // none | bf16 | fp16
  bool channels_last = false;
  bool tf32 = true;  // TF32 matrix multiplies and convolutions on CUDA (false: full fp32)

  // translation
  std::string results_dir = "results";
  std::string epoch = "latest";
  int num_test = 0;  // 0: every input
  bool eval = true;  // false: the paper's test-time behaviour (train-mode BatchNorm, dropout)
  std::string output_format = "png";
  int tile = 0;  // 0: whole image; otherwise tile edge in pixels
  int tile_overlap = 32;
  int resize_to = 0;  // 0: keep each image's own size

  // benchmarks
  int bench_steps = 10;    // timed training steps and translation batches
  int bench_warmup = 3;    // untimed steps first (allocator, cuDNN autotuning, page cache)
  std::string bench_json;  // also write the figures to this JSON file
};

enum class OptionSource { Default, ConfigFile, CommandLine };
const char* to_string(OptionSource source);

// Which subcommands accept an option.
enum OptionGroup : unsigned {
  kGroupData = 1u << 0,
  kGroupNetwork = 1u << 1,
  kGroupTrain = 1u << 2,
  kGroupTest = 1u << 3,
  kGroupDevice = 1u << 4,
  kGroupBench = 1u << 5,
};

struct OptionSpec {
  std::string name;
  std::string help;
  unsigned groups;
  bool is_flag;  // a bool that may be given without a value
  // Parses text into the field; throws std::invalid_argument naming the option on bad text.
  std::function<void(Options&, const std::string&)> set;
  std::function<std::string(const Options&)> get;
};

const std::vector<OptionSpec>& option_specs();
const OptionSpec* find_option(const std::string& name);

// Options together with where each value came from.
struct ResolvedOptions {
  Options values;
  std::map<std::string, OptionSource> sources;
};

// Reads a YAML mapping of option names to values into `options`.
// Throws std::runtime_error naming the file and the key on unknown keys or bad values.
void apply_config_file(const std::string& path, ResolvedOptions& options);

// Checks values against their allowed sets and ranges; throws naming the option and the fix.
void validate(const Options& options);

// The effective configuration as YAML: every option, its value and its source as a comment.
std::string to_yaml(const ResolvedOptions& options, unsigned groups);

}  // namespace pix2pix
