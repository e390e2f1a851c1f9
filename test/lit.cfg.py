# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "dlc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".dl", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dlc_obj_root, "test")
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "E2E/Inputs"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

config.substitutions.append(("%examples", os.path.join(config.dlc_src_root, "examples")))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%cc", config.c_compiler))
config.substitutions.append(("%dlc_obj_root", config.dlc_obj_root))
config.substitutions.append(("%dlc_bin", os.path.join(config.dlc_tools_dir, "dlc")))
config.substitutions.append(("%e2e", os.path.join(config.dlc_src_root, "test", "E2E")))
# ../shared beside the checkout holds third-party test data (JSONTestSuite).
shared = os.path.join(os.path.dirname(config.dlc_src_root), "shared")
config.substitutions.append(("%shared", shared))
# In CI the suite must be there: a missing one fails the test, not skips it.
if os.path.isdir(os.path.join(shared, "testdata", "JSONTestSuite", "test_parsing")) or \
        os.environ.get("CI") == "true":
    config.available_features.add("jsontestsuite")
# Kernels run on Halide's thread pool; keep test runs from oversubscribing.
config.environment["HL_NUM_THREADS"] = "2"
config.environment["OPENBLAS_NUM_THREADS"] = "2"
if "DLC_MUTATION_SEED" in os.environ:
    config.environment["DLC_MUTATION_SEED"] = os.environ["DLC_MUTATION_SEED"]
if "DLC_OP_TEST_SEED" in os.environ:
    config.environment["DLC_OP_TEST_SEED"] = os.environ["DLC_OP_TEST_SEED"]

tools = ["dlc", "dlc-opt", "dlc-parse-fuzzer"]
llvm_config.add_tool_substitutions(tools, [config.dlc_tools_dir])
