/**
 * The tree of zc.zk's README (its tree-format example), with the values in JSON: a fixture for tests of the tree
 * format, import and export, and of symbolic links (`/retail/databases/main` is a link to `/cms/databases/main`).
 */
export const ZC_ZK_README_TREE = `/lb : ipvs
  /pools
    /cms
      # The address is fixed because it's
      # exposed externally
      address = "1.2.3.4:80"
      providers -> /cms/providers
/cms : z4m cms
  threads = 3
  /providers
  /databases
    /main
      /providers
/retail : z4m retail
  threads = 1
  /providers
  /databases
    main -> /cms/databases/main
    /ugc
      /providers
`;
