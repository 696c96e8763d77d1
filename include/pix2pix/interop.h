#pragma once

// Generators crossing between this program and the reference PyTorch implementation
// (junyanz/pytorch-CycleGAN-and-pix2pix): its state_dict names onto our modules and back.
//
// Our modules carry their own stable names (networks.h); each network lists the reference's
// module path of every module that holds tensors (reference_module_names), for example
//   unet_256   block.inner.down_norm.weight         <-> model.model.1.model.2.weight
//   resnet     blocks.0.conv2.weight (dropout on)   <-> model.10.conv_block.6.weight
//   basic D    blocks.2.norm.running_mean           <-> model.9.running_mean
// Parameter and buffer names inside a module (weight, bias, running_mean, running_var,
// num_batches_tracked) are the same on both sides.
//
// TorchScript cannot be written from C++: modules of the LibTorch C++ frontend are not
// scriptable. Export therefore writes the state_dict, which a Python module of the reference
// architecture (the reference's networks.define_G, or tests/python/reference_nets.py) loads with
// strict=True.

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

#include "pix2pix/networks.h"
#include "pix2pix/options.h"
#include "pix2pix/state_dict_io.h"

namespace pix2pix {

// Every parameter and buffer of `module` under the reference's name. `module_names` maps our
// module paths to the reference's (GeneratorImpl::reference_module_names()).
// Throws std::logic_error for a tensor whose module has no reference name.
StateDict to_reference_names(const torch::nn::Module& module,
                             const std::map<std::string, std::string>& module_names);

// Copies reference-named tensors into `module`. Checks names and shapes first and throws
// std::runtime_error naming `source` and listing the missing keys, the unexpected keys and the
// shape mismatches; `module` is left untouched then.
void load_reference_names(torch::nn::Module& module,
                          const std::map<std::string, std::string>& module_names,
                          const StateDict& state, const std::string& source);

// Settings of a reference generator, read from its state_dict's names and shapes: netG (from the
// depth or the number of residual blocks), input_nc, output_nc, ngf, norm, and for the ResNet
// whether it has dropout (a U-Net's dropout leaves no trace; use_dropout stays true, the
// reference's default for pix2pix). Throws std::runtime_error naming `source` when the names
// fit no supported generator.
GeneratorConfig infer_generator_config(const StateDict& state, const std::string& source);

// Drops running statistics of instance norms, which older versions of the reference saved
// (track_running_stats was on); the reference's own loader drops them too. Returns how many.
int drop_instance_norm_statistics(StateDict& state);

// A checkpoint is a torch::serialize::OutputArchive file; the generator is its sub-archive "G"
// (written by module->save). Training adds "D", optimisers and counters beside it.
void save_generator_checkpoint(GeneratorImpl& generator, const std::filesystem::path& file);
// Loads "G" of `file` into `generator`. Throws std::runtime_error naming the file when it is
// missing or unreadable, has no "G", or its tensors do not fit the network settings (the
// generator is unusable then).
void load_generator_checkpoint(GeneratorImpl& generator, const std::filesystem::path& file);

// `pix2pix import`: reads a reference generator's state_dict, checks it against the settings
// given in `options` (those set on the command line or in a config file must agree with the
// file), and writes a run folder <checkpoints_dir>/<name>/ with options.yaml and latest.pt that
// `pix2pix test` uses. Returns the folder. Throws when the folder already holds a checkpoint
// and overwrite is off.
std::filesystem::path import_generator(const std::filesystem::path& state_dict_file,
                                       const ResolvedOptions& options);

// `pix2pix export`: the generator of checkpoint `epoch` of the run in `run_folder` (built from
// its options.yaml) written as a reference-named state_dict to `output`.
void export_generator(const std::filesystem::path& run_folder, const std::string& epoch,
                      const std::filesystem::path& output);

}  // namespace pix2pix
