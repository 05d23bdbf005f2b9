/**
 * Builds the sidebar's folder tree from the flat folder facet (`a`, `a/b`, `c`): each node
 * counts the photos of its whole subtree, because selecting a folder shows its
 * sub-folders too (the query is recursive).
 */

export interface FolderNode {
  /** Full folder path relative to the root, '/'-separated. */
  path: string;
  name: string;
  /** Photos directly in this folder. */
  ownCount: number;
  /** Photos in this folder and every folder below it. */
  totalCount: number;
  children: FolderNode[];
}

export function buildFolderTree(folders: readonly { folder: string; count: number }[]): FolderNode[] {
  const byPath = new Map<string, FolderNode>();
  const roots: FolderNode[] = [];

  function nodeFor(folderPath: string): FolderNode {
    const existing = byPath.get(folderPath);
    if (existing) {
      return existing;
    }
    const separator = folderPath.lastIndexOf('/');
    const node: FolderNode = {
      path: folderPath,
      name: separator < 0 ? folderPath : folderPath.slice(separator + 1),
      ownCount: 0,
      totalCount: 0,
      children: [],
    };
    byPath.set(folderPath, node);
    if (separator < 0) {
      roots.push(node);
    } else {
      nodeFor(folderPath.slice(0, separator)).children.push(node);
    }
    return node;
  }

  for (const { folder, count } of folders) {
    // Photos at the top of a root have folder '' and belong to the root itself.
    if (folder === '') {
      continue;
    }
    nodeFor(folder).ownCount += count;
  }

  function total(node: FolderNode): number {
    node.children.sort((a, b) => a.name.localeCompare(b.name));
    node.totalCount = node.ownCount + node.children.reduce((sum, child) => sum + total(child), 0);
    return node.totalCount;
  }
  roots.sort((a, b) => a.name.localeCompare(b.name));
  roots.forEach(total);
  return roots;
}
