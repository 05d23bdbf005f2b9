/**
 * How the studio starts Python: isolated (`-I`), so that nothing but the interpreter the
 * user chose decides what runs. Without it, PYTHONPATH or PYTHONSTARTUP from the
 * environment, or a `torch.py` in the current folder (a dataset downloaded from the
 * internet, say), would be imported before the real one. `-I` also drops the user's own
 * site-packages (`pip install --user`); those belong to the desktop user, who is trusted,
 * so they are put back the way Python itself adds them outside a virtual environment.
 */

/** Python lines that add the user's site-packages back, as Python does when not isolated. */
export const USER_SITE_SETUP = [
  'import os, site, sys',
  'if sys.prefix == sys.base_prefix and os.path.isdir(site.getusersitepackages()):',
  '    site.addsitedir(site.getusersitepackages())',
].join('\n');

/**
 * Runs a module of a package folder given on the command line: `-m` would need the
 * current folder on sys.path, which `-I` takes away. Arguments: the package folder, the
 * module, then the module's own arguments.
 */
const RUN_MODULE = [
  USER_SITE_SETUP,
  'import runpy',
  'package_dir, module = sys.argv[1], sys.argv[2]',
  'sys.argv = [module] + sys.argv[3:]',
  'sys.path.insert(0, package_dir)',
  "runpy.run_module(module, run_name='__main__', alter_sys=True)",
].join('\n');

/**
 * The arguments that run `module` (in `packageDir`) with `args`, isolated, unbuffered
 * (events are read line by line) and without writing bytecode next to the sources.
 */
export function isolatedModuleArgs(packageDir: string, module: string, args: readonly string[]): string[] {
  return ['-I', '-u', '-B', '-c', RUN_MODULE, packageDir, module, ...args];
}
