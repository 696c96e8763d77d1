#include "pix2pix/options.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

namespace pix2pix {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool parse_bool(const std::string& name, const std::string& text) {
  const std::string t = lower(text);
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  throw std::invalid_argument("option '" + name + "' expects true or false, got '" + text + "'");
}

template <typename T>
T parse_number(const std::string& name, const std::string& text) {
  std::istringstream in(text);
  T value{};
  in >> value;
  if (in.fail() || !in.eof()) {
    throw std::invalid_argument("option '" + name + "' expects a number, got '" + text + "'");
  }
  return value;
}

template <typename T>
std::string format_value(const T& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    return value;
  } else if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else {
    std::ostringstream out;
    out << value;
    return out.str();
  }
}

template <typename T>
OptionSpec field(std::string name, T Options::*member, unsigned groups, std::string help) {
  OptionSpec spec;
  spec.name = name;
  spec.help = std::move(help);
  spec.groups = groups;
  spec.is_flag = std::is_same_v<T, bool>;
  spec.set = [member, name](Options& o, const std::string& text) {
    if constexpr (std::is_same_v<T, std::string>) {
      o.*member = text;
    } else if constexpr (std::is_same_v<T, bool>) {
      o.*member = parse_bool(name, text);
    } else {
      o.*member = parse_number<T>(name, text);
    }
  };
  spec.get = [member](const Options& o) { return format_value(o.*member); };
  return spec;
}

std::vector<OptionSpec> make_specs() {
  using O = Options;
  const unsigned data = kGroupData, net = kGroupNetwork, train = kGroupTrain, test = kGroupTest,
                 dev = kGroupDevice, bench = kGroupBench;
  return {
      field("dataroot", &O::dataroot, data, "data set root (holds train/, val/, test/)"),
      field("name", &O::name, train | test, "run name: the run folder under checkpoints_dir"),
      field("checkpoints_dir", &O::checkpoints_dir, train | test, "folder that holds runs"),
      field("dataset_mode", &O::dataset_mode, data, "aligned | folders | single (test: auto)"),
      field("direction", &O::direction, data, "AtoB or BtoA"),
      field("dir_A", &O::dir_A, data,
            "folders mode: folder of A images (instead of <dataroot>/<phase>/A; needs dir_B)"),
      field("dir_B", &O::dir_B, data,
            "folders mode: folder of B images (instead of <dataroot>/<phase>/B; needs dir_A)"),
      field("phase", &O::phase, data, "train, val or test"),
      field("input_nc", &O::input_nc, data | net, "input image channels (1 or 3)"),
      field("output_nc", &O::output_nc, data | net, "output image channels (1 or 3)"),
      field("load_size", &O::load_size, data, "resize images to this size"),
      field("crop_size", &O::crop_size, data, "then crop to this size"),
      field("preprocess", &O::preprocess, data,
            "resize_and_crop | crop | scale_width | scale_width_and_crop | none"),
      field("no_flip", &O::no_flip, data, "do not mirror images at random"),
      field("max_dataset_size", &O::max_dataset_size, data, "use at most this many pairs (0: all)"),
      field("serial_batches", &O::serial_batches, data, "keep file order instead of shuffling"),
      field("num_threads", &O::num_threads, data, "data loading worker threads"),
      field("batch_size", &O::batch_size, data, "images per batch"),
      field("drop_last", &O::drop_last, data, "drop the last incomplete batch of an epoch"),
      field("seed", &O::seed, train | test | data, "random seed"),
      field("netG", &O::netG, net, "unet_256 | unet_128 | resnet_9blocks | resnet_6blocks"),
      field("netD", &O::netD, net, "basic | n_layers | pixel"),
      field("ngf", &O::ngf, net, "generator filters in the first conv layer"),
      field("ndf", &O::ndf, net, "discriminator filters in the first conv layer"),
      field("n_layers_D", &O::n_layers_D, net, "discriminator layers when netD is n_layers"),
      field("norm", &O::norm, net, "batch | instance | none"),
      field("init_type", &O::init_type, net,
            "normal | xavier | xavier_uniform | kaiming | kaiming_uniform | orthogonal | "
            "uniform | constant | zeros"),
      field("init_gain", &O::init_gain, net, "scale of the initialisation"),
      field("no_dropout", &O::no_dropout, net, "no dropout in the generator"),
      field("n_epochs", &O::n_epochs, train, "epochs at the initial learning rate"),
      field("n_epochs_decay", &O::n_epochs_decay, train, "epochs to decay the rate to zero"),
      field("epoch_count", &O::epoch_count, train, "number of the first epoch"),
      field("lr", &O::lr, train, "initial Adam learning rate"),
      field("beta1", &O::beta1, train, "Adam beta1"),
      field("beta2", &O::beta2, train, "Adam beta2"),
      field("gan_mode", &O::gan_mode, train, "vanilla | lsgan | wgangp"),
      field("lambda_L1", &O::lambda_L1, train, "weight of the L1 loss"),
      field("lambda_gp", &O::lambda_gp, train, "weight of the gradient penalty (wgangp)"),
      field("lr_policy", &O::lr_policy, train, "linear | step | plateau | cosine"),
      field("lr_decay_iters", &O::lr_decay_iters, train, "epochs between steps (step policy)"),
      field("print_freq", &O::print_freq, train, "steps between progress lines"),
      field("display_freq", &O::display_freq, train, "steps between sample images"),
      field("save_latest_freq", &O::save_latest_freq, train, "steps between latest checkpoints"),
      field("save_epoch_freq", &O::save_epoch_freq, train, "epochs between numbered checkpoints"),
      field("resume", &O::resume, train, "run folder (or run name) to continue"),
      field("overwrite", &O::overwrite, train | test, "replace an existing run or outputs"),
      field("eval_phase", &O::eval_phase, train,
            "at the end, mean L1 of G on this phase (e.g. test) against an untrained G and the "
            "mean training image"),
      field("device", &O::device, dev, "auto | cpu | cuda | cuda:N"),
      field("amp", &O::amp, dev, "mixed precision on CUDA: none | bf16 | fp16"),
      field("channels_last", &O::channels_last, dev, "channels-last memory format on CUDA"),
      field("tf32", &O::tf32, dev, "TF32 matrix multiplies and convolutions on CUDA"),
      field("results_dir", &O::results_dir, test, "where translated images go"),
      field("epoch", &O::epoch, test, "checkpoint to load: latest or an epoch number"),
      field("num_test", &O::num_test, test, "translate at most this many images (0: all)"),
      field("eval", &O::eval, test, "eval mode (false: train-mode BatchNorm and dropout)"),
      field("output_format", &O::output_format, test, "png | jpg | bmp | tif"),
      field("tile", &O::tile, test, "tile edge in pixels for large images (0: whole image)"),
      field("tile_overlap", &O::tile_overlap, test, "overlap between tiles in pixels"),
      field("resize_to", &O::resize_to, test, "resize inputs to this size (0: keep their size)"),
      field("bench_steps", &O::bench_steps, bench, "timed training steps and translation batches"),
      field("bench_warmup", &O::bench_warmup, bench, "untimed steps before timing"),
      field("bench_json", &O::bench_json, bench, "also write the figures to this JSON file"),
  };
}

void require_one_of(const std::string& name, const std::string& value,
                    std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (value == a) return;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  throw std::invalid_argument("option '" + name + "' is '" + value + "'; choose one of " + list);
}

void require_positive(const std::string& name, double value) {
  if (value <= 0) {
    throw std::invalid_argument("option '" + name + "' must be positive, got " +
                                format_value(value));
  }
}

}  // namespace

const char* to_string(OptionSource source) {
  switch (source) {
    case OptionSource::Default:
      return "default";
    case OptionSource::ConfigFile:
      return "config file";
    case OptionSource::CommandLine:
      return "command line";
  }
  return "?";
}

const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> specs = make_specs();
  return specs;
}

const OptionSpec* find_option(const std::string& name) {
  for (const auto& spec : option_specs()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

void apply_config_file(const std::string& path, ResolvedOptions& options) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw std::runtime_error("cannot read config file " + path + ": check the path");
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("config file " + path + " is not valid YAML: " + e.what());
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) {
    throw std::runtime_error("config file " + path + " must be a mapping of option: value");
  }
  for (const auto& item : root) {
    const std::string key = item.first.as<std::string>();
    const OptionSpec* spec = find_option(key);
    if (spec == nullptr || key == "config") {
      throw std::runtime_error("config file " + path + ": unknown option '" + key +
                               "' (see pix2pix <command> --help for the option names)");
    }
    // Keys of other subcommands are accepted so that one file serves train and test.
    if (!item.second.IsScalar()) {
      throw std::runtime_error("config file " + path + ": option '" + key +
                               "' must be a single value");
    }
    try {
      spec->set(options.values, item.second.as<std::string>());
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error("config file " + path + ": " + e.what());
    }
    options.sources[key] = OptionSource::ConfigFile;
  }
}

void validate(const Options& o) {
  require_one_of("direction", o.direction, {"AtoB", "BtoA"});
  require_one_of("dataset_mode", o.dataset_mode, {"aligned", "folders", "single", "auto"});
  require_one_of("preprocess", o.preprocess,
                 {"resize_and_crop", "crop", "scale_width", "scale_width_and_crop", "none"});
  require_one_of("netG", o.netG, {"unet_256", "unet_128", "resnet_9blocks", "resnet_6blocks"});
  require_one_of("netD", o.netD, {"basic", "n_layers", "pixel"});
  require_one_of("norm", o.norm, {"batch", "instance", "none"});
  require_one_of("init_type", o.init_type,
                 {"normal", "xavier", "xavier_uniform", "kaiming", "kaiming_uniform", "orthogonal",
                  "uniform", "constant", "zeros"});
  require_one_of("gan_mode", o.gan_mode, {"vanilla", "lsgan", "wgangp"});
  require_one_of("lr_policy", o.lr_policy, {"linear", "step", "plateau", "cosine"});
  require_one_of("amp", o.amp, {"none", "bf16", "fp16"});
  require_one_of("output_format", o.output_format, {"png", "jpg", "jpeg", "bmp", "tif", "tiff"});
  for (auto [name, value] : {std::pair<const char*, double>{"input_nc", o.input_nc},
                             {"output_nc", o.output_nc},
                             {"load_size", o.load_size},
                             {"crop_size", o.crop_size},
                             {"batch_size", o.batch_size},
                             {"ngf", o.ngf},
                             {"ndf", o.ndf},
                             {"n_layers_D", o.n_layers_D},
                             {"lr", o.lr},
                             {"print_freq", o.print_freq},
                             {"display_freq", o.display_freq},
                             {"save_latest_freq", o.save_latest_freq},
                             {"save_epoch_freq", o.save_epoch_freq},
                             {"lr_decay_iters", o.lr_decay_iters},
                             {"bench_steps", o.bench_steps}}) {
    require_positive(name, value);
  }
  for (const auto& [name, value] :
       {std::pair{"input_nc", o.input_nc}, {"output_nc", o.output_nc}}) {
    if (value != 1 && value != 3) {
      throw std::invalid_argument("option '" + std::string(name) + "' is " + std::to_string(value) +
                                  "; choose 1 (gray) or 3 (colour)");
    }
  }
  if (o.dir_A.empty() != o.dir_B.empty()) {
    throw std::invalid_argument("options 'dir_A' and 'dir_B' go together: give both folders");
  }
  if (!o.dir_A.empty() && o.dataset_mode != "folders") {
    throw std::invalid_argument("options 'dir_A' and 'dir_B' need --dataset_mode folders");
  }
  if (!o.dir_A.empty() && !o.eval_phase.empty()) {
    throw std::invalid_argument(
        "option 'eval_phase' needs phase folders, but dir_A and dir_B stand for every phase: "
        "leave eval_phase out, or put the data under <dataroot>/<phase>/A and B");
  }
  if (o.num_threads < 0 || o.num_threads > 256) {
    throw std::invalid_argument("option 'num_threads' must be between 0 and 256 (got " +
                                std::to_string(o.num_threads) +
                                "); a few per core is plenty: pix2pix data bench measures them");
  }
  if (o.bench_warmup < 0) throw std::invalid_argument("option 'bench_warmup' must be 0 or more");
  if (o.n_epochs < 0 || o.n_epochs_decay < 0 || o.n_epochs + o.n_epochs_decay == 0) {
    throw std::invalid_argument(
        "options 'n_epochs' and 'n_epochs_decay' must be 0 or more with a positive sum");
  }
  if (o.device != "auto" && o.device != "cpu" && o.device.rfind("cuda", 0) != 0) {
    throw std::invalid_argument("option 'device' is '" + o.device +
                                "'; choose auto, cpu, cuda or cuda:N");
  }
  if ((o.preprocess == "resize_and_crop" || o.preprocess == "scale_width_and_crop") &&
      o.crop_size > o.load_size) {
    throw std::invalid_argument("crop_size " + format_value(o.crop_size) +
                                " is larger than load_size " + format_value(o.load_size) +
                                "; make load_size at least crop_size");
  }
}

std::string to_yaml(const ResolvedOptions& options, unsigned groups) {
  std::ostringstream out;
  for (const auto& spec : option_specs()) {
    if ((spec.groups & groups) == 0 && spec.name != "config") continue;
    auto it = options.sources.find(spec.name);
    const OptionSource source = it == options.sources.end() ? OptionSource::Default : it->second;
    YAML::Emitter value;
    value << spec.get(options.values);
    out << spec.name << ": " << value.c_str() << "  # " << to_string(source) << "\n";
  }
  return out.str();
}

}  // namespace pix2pix
