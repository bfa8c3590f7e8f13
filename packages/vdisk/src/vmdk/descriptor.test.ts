import { describe, expect, it } from 'vitest';
import { VdiskError } from '../errors.js';
import { CID_NONE, formatDescriptor, parseDescriptor } from './descriptor.js';

const QEMU_STYLE = `# Disk DescriptorFile
version=1
CID=20e81853
parentCID=ffffffff
createType="twoGbMaxExtentFlat"

# Extent description
RW 4194304 FLAT "tf-f001.vmdk" 0
RW 2097152 FLAT "tf-f002.vmdk" 0
RDONLY 100 ZERO

# The Disk Data Base
#DDB

ddb.virtualHWVersion = "4"
ddb.geometry.cylinders = "10402"
ddb.adapterType = "ide"
`;

function syntaxError(text: string): VdiskError {
  try {
    parseDescriptor(text);
  } catch (e) {
    expect(e).toBeInstanceOf(VdiskError);
    return e as VdiskError;
  }
  throw new Error('parsed');
}

describe('parseDescriptor', () => {
  it('reads header keys, extent lines and the disk database', () => {
    const d = parseDescriptor(QEMU_STYLE);
    expect(d.version).toBe(1);
    expect(d.cid).toBe(0x20e81853);
    expect(d.parentCid).toBe(CID_NONE);
    expect(d.createType).toBe('twoGbMaxExtentFlat');
    expect(d.extents).toEqual([
      { access: 'RW', sectors: 4194304, type: 'FLAT', file: 'tf-f001.vmdk', offset: 0 },
      { access: 'RW', sectors: 2097152, type: 'FLAT', file: 'tf-f002.vmdk', offset: 0 },
      { access: 'RDONLY', sectors: 100, type: 'ZERO', file: null, offset: 0 },
    ]);
    expect(d.ddb.get('geometry.cylinders')).toBe('10402');
    expect(d.ddb.get('adapterType')).toBe('ide');
  });

  it('round-trips through formatDescriptor, keeping parent hints and unknown keys', () => {
    const d = parseDescriptor(
      'version=1\nencoding="UTF-8"\nCID=1\nparentCID=abcdef01\nisNativeSnapshot="no"\ncreateType="monolithicSparse"\nparentFileNameHint="base dir/b.vmdk"\nRW 64 SPARSE "x.vmdk"\n',
    );
    const again = parseDescriptor(formatDescriptor(d));
    expect(again).toEqual(d);
    expect(again.parentFileNameHint).toBe('base dir/b.vmdk');
    expect(again.other.get('isNativeSnapshot')).toBe('"no"');
  });

  it('ignores an embedded descriptor\'s NUL padding and comments after values', () => {
    const d = parseDescriptor('version=1 # comment\nCID=fffffffe\ncreateType="monolithicSparse"\nRW 8 SPARSE "a#b.vmdk"\n\0\0\0garbage');
    expect(d.extents[0]!.file).toBe('a#b.vmdk');
  });

  it.each([
    ['version=1\nCID=1\ncreateType="x"\nRW abc SPARSE "f"\n', 4, 'malformed extent line'],
    ['version=1\nCID=1\ncreateType="x"\nRW 10 BOGUS "f"\n', 4, 'unknown extent type'],
    ['version=1\nCID=1\ncreateType="x"\nRW 10 SPARSE\n', 4, 'needs a quoted file name'],
    ['version=1\nCID=1\ncreateType="x"\nRW 10 SPARSE "f" 5\n', 4, 'takes no offset'],
    ['version=1\nCID=xyz\n', 2, 'hex digits'],
    ['version=one\n', 1, 'version must be a number'],
    ['version=1\n\nCID=1\ncreateType="x\n', 4, 'unbalanced quotes'],
    ['version=1\nCID=1\njust words\n', 3, 'expected key=value'],
    ['version=1\nCID=1\nRW 10 SPARSE "f"\n', 4, 'missing createType'],
    ['CID=1\ncreateType="x"\nRW 10 SPARSE "f"\n', 4, 'missing version'],
    ['version=1\nCID=1\ncreateType="x"\n', 4, 'no extent lines'],
    ['version=1\nCID=1\ncreateType="x"\nRW 99999999999999999 FLAT "f" 0\n', 4, 'bad extent size'],
    ['version=1\nCID=1\ncreateType="x"\nRW 4398046511104 ZERO\nRW 4398046511104 ZERO\n', 6, 'add up to more than'],
  ])('reports %j at line %i', (text, line, msg) => {
    const e = syntaxError(text);
    expect(e.kind).toBe('descriptor-syntax');
    expect(e.line).toBe(line);
    expect(e.message).toContain(msg);
    expect(e.message).toMatch(new RegExp(`^line ${line}: `));
  });

  it('rejects descriptor versions it does not know as unsupported', () => {
    expect(syntaxError('version=9\nCID=1\ncreateType="x"\nRW 1 FLAT "f" 0\n').kind).toBe('unsupported');
  });
});
