#include "pix2pix/cli.h"

#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>
#include <cxxopts.hpp>

#include <cctype>
#include <iostream>
#include <stdexcept>

#include "pix2pix/commands.h"
#include "pix2pix/device.h"
#include "pix2pix/run_environment.h"

namespace pix2pix {
namespace {

// Thrown after --help has been printed: not an error, exit status 0.
struct HelpShown {};

const char* kUsage =
    "usage: pix2pix <command> [options]\n"
    "\n"
    "commands:\n"
    "  train       train a generator and discriminator on paired images\n"
    "  test        translate a folder of images with a trained generator (alias: translate)\n"
    "  data        combine | check | demo | bench | synthetic: build and check data sets\n"
    "  import      convert a generator saved by the reference PyTorch implementation\n"
    "  export      write a generator as a state_dict for Python's torch.load\n"
    "  bench       measure training and translation speed\n"
    "  info        LibTorch version, CUDA and cuDNN availability, devices\n"
    "\n"
    "  pix2pix <command> --help   options of a command\n"
    "  pix2pix --version          version\n";

// --load-size and --load_size are the same option; values are left alone.
std::string normalise_option(const std::string& arg) {
  if (arg.rfind("--", 0) != 0) return arg;
  const size_t end = std::min(arg.find('='), arg.size());
  std::string out = arg;
  for (size_t i = 2; i < end; ++i) {
    if (out[i] == '-') out[i] = '_';
  }
  return out;
}

bool is_bool_word(std::string word) {
  for (auto& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return word == "true" || word == "false" || word == "yes" || word == "no" || word == "on" ||
         word == "off" || word == "1" || word == "0";
}

}  // namespace

ResolvedOptions parse_options(const std::string& command, const std::vector<std::string>& args,
                              unsigned groups, std::vector<std::string>* positional) {
  cxxopts::Options parser("pix2pix " + command);
  parser.custom_help("[options]");
  parser.add_options()("h,help", "show this help")(
      "config", "YAML file of option: value (the command line wins)",
      cxxopts::value<std::string>());
  for (const auto& spec : option_specs()) {
    if ((spec.groups & groups) == 0) continue;
    auto value = cxxopts::value<std::string>()->default_value(spec.get(Options{}));
    if (spec.is_flag) value->implicit_value("true");
    parser.add_options()(spec.name, spec.help, value);
  }
  parser.add_options()("positional", "", cxxopts::value<std::vector<std::string>>());
  parser.parse_positional({"positional"});

  // A flag takes its value after '=' only; "--eval false" is joined into "--eval=false" so that
  // the value is not read as a positional argument.
  std::vector<std::string> normalised{"pix2pix"};
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = normalise_option(args[i]);
    const OptionSpec* spec = arg.rfind("--", 0) == 0 ? find_option(arg.substr(2)) : nullptr;
    if (spec != nullptr && spec->is_flag && i + 1 < args.size() && is_bool_word(args[i + 1])) {
      arg += "=" + args[++i];
    }
    normalised.push_back(arg);
  }
  std::vector<const char*> argv;
  for (const auto& arg : normalised) argv.push_back(arg.c_str());

  cxxopts::ParseResult result;
  try {
    result = parser.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const cxxopts::exceptions::exception& e) {
    throw std::invalid_argument(std::string(e.what()) + "\n" + parser.help());
  }
  if (result.count("help")) {
    std::cout << parser.help();
    throw HelpShown{};
  }

  std::vector<std::string> rest;
  if (result.count("positional")) rest = result["positional"].as<std::vector<std::string>>();
  if (positional != nullptr) {
    *positional = rest;
  } else if (!rest.empty()) {
    throw std::invalid_argument("unexpected argument '" + rest.front() + "'\n" + parser.help());
  }

  // defaults, then the config file, then the command line
  ResolvedOptions resolved;
  if (result.count("config")) {
    resolved.values.config = result["config"].as<std::string>();
    apply_config_file(resolved.values.config, resolved);
  }
  for (const auto& spec : option_specs()) {
    if ((spec.groups & groups) == 0 || result.count(spec.name) == 0) continue;
    spec.set(resolved.values, result[spec.name].as<std::string>());
    resolved.sources[spec.name] = OptionSource::CommandLine;
  }
  validate(resolved.values);
  return resolved;
}

int run_cli(int argc, char** argv) {
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
  spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL=debug for per-step detail
  tune_host_allocator();

  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  const Args args(argv + 2, argv + argc);
  try {
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (command == "--version" || command == "version") {
      std::cout << "pix2pix " << PIX2PIX_VERSION << "\n";
      return 0;
    }
    if (command == "info") {
      parse_options(command, args, 0);
      std::cout << describe_runtime();
      return 0;
    }
    if (command == "train") return command_train(args);
    if (command == "test" || command == "translate") return command_test(args);
    if (command == "data") return command_data(args);
    if (command == "import") return command_import(args);
    if (command == "export") return command_export(args);
    if (command == "bench") return command_bench(args);
  } catch (const HelpShown&) {
    return 0;
  } catch (const std::invalid_argument& e) {
    spdlog::error("{}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  std::cerr << "pix2pix: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}

}  // namespace pix2pix
