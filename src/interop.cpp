#include "pix2pix/interop.h"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace pix2pix {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shape(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

// "a, b, c and 4 more"
std::string list(const std::vector<std::string>& items, size_t shown = 8) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < shown; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > shown) out += " and " + std::to_string(items.size() - shown) + " more";
  return out;
}

// Our tensors by reference name.
std::map<std::string, torch::Tensor> reference_targets(
    const torch::nn::Module& module, const std::map<std::string, std::string>& module_names) {
  std::map<std::string, torch::Tensor> targets;
  for (const auto& [name, tensor] : to_reference_names(module, module_names)) {
    targets.emplace(name, tensor);
  }
  return targets;
}

// The options stored in a run's options.yaml, over the defaults. The "config" key is skipped.
Options read_options_file(const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("cannot read the run's options " + file.string() + ": " + e.what());
  }
  Options options;
  for (const auto& item : root) {
    const std::string key = item.first.as<std::string>();
    const OptionSpec* spec = find_option(key);
    if (key == "config" || spec == nullptr || !item.second.IsScalar()) continue;
    spec->set(options, item.second.as<std::string>());
  }
  return options;
}

}  // namespace

StateDict to_reference_names(const torch::nn::Module& module,
                             const std::map<std::string, std::string>& module_names) {
  StateDict state;
  auto add = [&](const std::string& name, const torch::Tensor& tensor) {
    const size_t dot = name.rfind('.');
    const std::string path = name.substr(0, dot);
    auto it = module_names.find(path);
    if (dot == std::string::npos || it == module_names.end()) {
      throw std::logic_error("no reference name for module '" + path + "' of '" + name + "'");
    }
    state.emplace_back(it->second + name.substr(dot), tensor);
  };
  for (const auto& item : module.named_parameters()) add(item.key(), item.value());
  for (const auto& item : module.named_buffers()) add(item.key(), item.value());
  return state;
}

void load_reference_names(torch::nn::Module& module,
                          const std::map<std::string, std::string>& module_names,
                          const StateDict& state, const std::string& source) {
  const auto targets = reference_targets(module, module_names);

  // check everything before changing anything
  std::vector<std::string> unexpected;
  std::vector<std::string> mismatched;
  std::set<std::string> seen;
  for (const auto& [name, tensor] : state) {
    seen.insert(name);
    auto it = targets.find(name);
    if (it == targets.end()) {
      unexpected.push_back(name);
    } else if (!tensor.sizes().equals(it->second.sizes())) {
      mismatched.push_back(name + " (file " + shape(tensor) + ", network " + shape(it->second) +
                           ")");
    }
  }
  std::vector<std::string> missing;
  for (const auto& [name, tensor] : targets) {
    if (seen.count(name) == 0) missing.push_back(name);
  }
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    std::string message = source + " does not fit the network:";
    if (!missing.empty()) message += "\n  missing keys: " + list(missing);
    if (!unexpected.empty()) message += "\n  unexpected keys: " + list(unexpected);
    if (!mismatched.empty()) message += "\n  shape mismatches: " + list(mismatched);
    message += "\n  check netG, ngf, norm, input_nc, output_nc and no_dropout";
    throw std::runtime_error(message);
  }

  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : state) {
    torch::Tensor target = targets.at(name);
    target.copy_(tensor.to(target.dtype()));
  }
}

int drop_instance_norm_statistics(StateDict& state) {
  std::set<std::string> norm_weights;  // modules with an affine weight: batch norms
  for (const auto& [name, tensor] : state) {
    if (ends_with(name, ".weight") && tensor.dim() == 1) {
      norm_weights.insert(name.substr(0, name.size() - 7));
    }
  }
  const size_t before = state.size();
  state.erase(
      std::remove_if(
          state.begin(), state.end(),
          [&](const auto& entry) {
            const std::string& name = entry.first;
            for (const char* buffer : {".running_mean", ".running_var", ".num_batches_tracked"}) {
              if (!ends_with(name, buffer)) continue;
              const std::string module = name.substr(0, name.rfind('.'));
              return norm_weights.count(module) == 0;
            }
            return false;
          }),
      state.end());
  return static_cast<int>(before - state.size());
}

GeneratorConfig infer_generator_config(const StateDict& state, const std::string& source) {
  std::map<std::string, torch::Tensor> tensors(state.begin(), state.end());
  auto has = [&](const std::string& name) { return tensors.count(name) > 0; };
  auto size = [&](const std::string& name, int64_t dim) { return tensors.at(name).size(dim); };
  bool has_batch_norm = false;
  for (const auto& [name, tensor] : tensors) {
    if (ends_with(name, ".running_var") &&
        has(name.substr(0, name.size() - std::string("running_var").size()) + "weight")) {
      has_batch_norm = true;
    }
  }

  GeneratorConfig config;
  if (has("model.model.0.weight") && has("model.model.3.weight")) {
    // U-Net: each level below the outermost sits at index 1 (under the outermost) or 3
    int levels = 1;
    std::string prefix = "model.model.1.model.";
    while (has(prefix + "1.weight")) {
      ++levels;
      prefix += "3.model.";
    }
    if (levels != 7 && levels != 8) {
      throw std::runtime_error(source + " holds a U-Net with " + std::to_string(levels) +
                               " levels; supported: 7 (unet_128) and 8 (unet_256)");
    }
    config.arch = levels == 8 ? "unet_256" : "unet_128";
    config.input_nc = static_cast<int>(size("model.model.0.weight", 1));
    config.ngf = static_cast<int>(size("model.model.0.weight", 0));
    config.output_nc = static_cast<int>(size("model.model.3.weight", 1));  // [in, out, 4, 4]
    config.norm = has_batch_norm ? "batch" : has("model.model.0.bias") ? "instance" : "none";
    return config;
  }
  if (has("model.1.weight") && size("model.1.weight", 3) == 7) {
    int n_blocks = 0;
    while (has("model." + std::to_string(10 + n_blocks) + ".conv_block.1.weight")) ++n_blocks;
    if (n_blocks != 6 && n_blocks != 9) {
      throw std::runtime_error(source + " holds a ResNet generator with " +
                               std::to_string(n_blocks) + " blocks; supported: 6 and 9");
    }
    const std::string out_conv = "model." + std::to_string(17 + n_blocks) + ".weight";
    if (!has(out_conv)) throw std::runtime_error(source + " lacks " + out_conv);
    config.arch = n_blocks == 9 ? "resnet_9blocks" : "resnet_6blocks";
    config.input_nc = static_cast<int>(size("model.1.weight", 1));
    config.ngf = static_cast<int>(size("model.1.weight", 0));
    config.output_nc = static_cast<int>(size(out_conv, 0));
    config.norm = has_batch_norm ? "batch" : has("model.1.bias") ? "instance" : "none";
    // with dropout the second conv moves from index 5 to 6, where a batch norm sits otherwise
    const std::string moved = "model.10.conv_block.6.weight";
    config.use_dropout = has(moved) && tensors.at(moved).dim() == 4;
    return config;
  }
  std::vector<std::string> names;
  for (const auto& entry : state) names.push_back(entry.first);
  throw std::runtime_error(source +
                           " is not a generator of the reference implementation (unet_256, "
                           "unet_128, resnet_9blocks, resnet_6blocks); its keys: " +
                           list(names, 5));
}

void save_generator_checkpoint(GeneratorImpl& generator, const fs::path& file) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive g_archive;
  generator.save(g_archive);
  archive.write("G", g_archive);
  try {
    archive.save_to(file.string());
  } catch (const c10::Error& e) {
    throw std::runtime_error("cannot write checkpoint " + file.string() + ": " +
                             e.what_without_backtrace());
  }
}

void load_generator_checkpoint(GeneratorImpl& generator, const fs::path& file) {
  if (!fs::is_regular_file(file)) {
    throw std::runtime_error("checkpoint not found: " + file.string());
  }
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
  } catch (const c10::Error& e) {
    throw std::runtime_error("cannot read checkpoint " + file.string() +
                             " (corrupt?): " + e.what_without_backtrace());
  }
  torch::serialize::InputArchive g_archive;
  if (!archive.try_read("G", g_archive)) {
    throw std::runtime_error("checkpoint " + file.string() + " holds no generator (\"G\")");
  }
  // Module::load replaces tensors whatever their shape, so the shapes are compared after it
  const std::string mismatch = "the generator in " + file.string() +
                               " does not fit the network settings (netG, ngf, norm, input_nc, "
                               "output_nc, no_dropout): ";
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& item : generator.named_parameters())
    shapes[item.key()] = item.value().sizes().vec();
  for (const auto& item : generator.named_buffers())
    shapes[item.key()] = item.value().sizes().vec();
  try {
    generator.load(g_archive);
  } catch (const c10::Error& e) {
    throw std::runtime_error(mismatch + e.what_without_backtrace());
  }
  std::vector<std::string> mismatched;
  auto compare = [&](const std::string& name, const torch::Tensor& tensor) {
    if (tensor.sizes().vec() != shapes.at(name)) {
      mismatched.push_back(name + " (file " + shape(tensor) + ", network " +
                           shape(torch::empty(shapes.at(name))) + ")");
    }
  };
  for (const auto& item : generator.named_parameters()) compare(item.key(), item.value());
  for (const auto& item : generator.named_buffers()) compare(item.key(), item.value());
  if (mismatched.empty()) return;

  // Every generator begins with a conv of weight [ngf, input_nc, k, k]: its shape in the file
  // names the setting that differs, where it is one of these two.
  std::string differs;
  const auto parameters = generator.named_parameters();
  const auto& first = *parameters.begin();
  const std::vector<int64_t> file_shape = first.value().sizes().vec();
  const std::vector<int64_t>& net_shape = shapes.at(first.key());
  if (file_shape.size() == 4 && net_shape.size() == 4) {
    if (file_shape[0] != net_shape[0]) {
      differs += "ngf is " + std::to_string(file_shape[0]) + " in the file, " +
                 std::to_string(net_shape[0]) + " in the settings; ";
    }
    if (file_shape[1] != net_shape[1]) {
      differs += "input_nc is " + std::to_string(file_shape[1]) + " in the file, " +
                 std::to_string(net_shape[1]) + " in the settings; ";
    }
  }
  throw std::runtime_error(mismatch + differs + "tensors that differ: " + list(mismatched));
}

fs::path import_generator(const fs::path& state_dict_file, const ResolvedOptions& options) {
  const std::string source = state_dict_file.string();
  StateDict state = read_state_dict(state_dict_file);
  GeneratorConfig config = infer_generator_config(state, source);

  // settings the user gave must agree with the file
  const Options& given = options.values;
  auto check = [&](const std::string& option, const std::string& wanted, const std::string& found) {
    if (options.sources.count(option) && wanted != found) {
      throw std::runtime_error(option + " " + wanted + " was asked for, but " + source +
                               " holds a generator with " + option + " " + found);
    }
  };
  check("netG", given.netG, config.arch);
  check("ngf", std::to_string(given.ngf), std::to_string(config.ngf));
  check("norm", given.norm, config.norm);
  check("input_nc", std::to_string(given.input_nc), std::to_string(config.input_nc));
  check("output_nc", std::to_string(given.output_nc), std::to_string(config.output_nc));
  if (config.arch.rfind("unet", 0) == 0) config.use_dropout = !given.no_dropout;
  if (config.arch.rfind("resnet", 0) == 0 && options.sources.count("no_dropout") &&
      given.no_dropout == config.use_dropout) {
    throw std::runtime_error("no_dropout " + std::string(given.no_dropout ? "true" : "false") +
                             " was asked for, but " + source + " holds a ResNet generator " +
                             (config.use_dropout ? "with" : "without") + " dropout");
  }
  if (config.norm == "instance") {
    const int dropped = drop_instance_norm_statistics(state);
    if (dropped > 0) spdlog::info("dropped {} running statistics of instance norms", dropped);
  }

  Generator generator = make_generator(config);
  load_reference_names(*generator, generator->reference_module_names(), state, source);

  // the run folder
  const fs::path root = fs::path(given.checkpoints_dir) / given.name;
  const fs::path checkpoint = root / "latest.pt";
  if (fs::exists(checkpoint) && !given.overwrite) {
    throw std::runtime_error(checkpoint.string() +
                             " exists; choose another --name or pass --overwrite");
  }
  fs::create_directories(root);
  ResolvedOptions stored = options;
  stored.values.netG = config.arch;
  stored.values.ngf = config.ngf;
  stored.values.norm = config.norm;
  stored.values.input_nc = config.input_nc;
  stored.values.output_nc = config.output_nc;
  stored.values.no_dropout = !config.use_dropout;
  std::ofstream yaml(root / "options.yaml");
  yaml << "# imported from " << source << "\n"
       << to_yaml(stored, kGroupData | kGroupNetwork | kGroupTrain | kGroupTest | kGroupDevice);
  if (!yaml) throw std::runtime_error("cannot write " + (root / "options.yaml").string());
  save_generator_checkpoint(*generator, checkpoint);

  spdlog::info("imported {}: {} ({} -> {} channels, ngf {}, norm {}), {} parameters", source,
               config.arch, config.input_nc, config.output_nc, config.ngf, config.norm,
               format_millions(count_parameters(*generator)));
  spdlog::info("wrote {} and {}", (root / "options.yaml").string(), checkpoint.string());
  return root;
}

void export_generator(const fs::path& run_folder, const std::string& epoch,
                      const fs::path& output) {
  const fs::path options_file = run_folder / "options.yaml";
  if (!fs::is_regular_file(options_file)) {
    throw std::runtime_error(run_folder.string() + " is not a run folder (no options.yaml)");
  }
  const Options options = read_options_file(options_file);
  const GeneratorConfig config = generator_config(options);
  Generator generator = make_generator(config);
  load_generator_checkpoint(*generator, run_folder / (epoch + ".pt"));

  write_state_dict(to_reference_names(*generator, generator->reference_module_names()), output);
  spdlog::info("wrote {}: the {} generator as a state_dict with the reference's names",
               output.string(), config.arch);
  spdlog::info(
      "in Python, with the reference's models/networks.py or tests/python/reference_nets.py "
      "(keywords, because their argument orders differ): net = define_G(input_nc={}, "
      "output_nc={}, ngf={}, netG='{}', norm='{}', use_dropout={}); "
      "net.load_state_dict(torch.load('{}'))",
      config.input_nc, config.output_nc, config.ngf, config.arch, config.norm,
      config.use_dropout ? "True" : "False", output.string());
}

}  // namespace pix2pix
