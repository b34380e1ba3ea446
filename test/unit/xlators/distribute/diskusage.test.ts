import { describe, expect, it } from 'vitest'
import {
  type DiskUsage, NO_DISK_USAGE, availableSubvol, diskIsPercent, diskUsageOf, filledBy, parseMinFreeDisk,
} from '../../../../src/xlators/distribute/diskusage.ts'

const DEFAULTS = { disk: 10, inodes: 5 }
const du = (availPercent: number, availInodes = 50, availSpace = availPercent * 1e6): DiskUsage => ({ availPercent, availSpace, availInodes, chunks: 1 })
const all = (): boolean => true

describe('disk usage of a STATFS (dht_du_info_cbk)', () => {
  it('rounds the free percentages down, as C divides 64-bit integers', () => {
    const d = diskUsageOf({ blocks: 1000, bavail: 99, bsize: 4096, frsize: 4096, files: 300, ffree: 14 })
    expect(d.availPercent).toBe(9) // 9.9 % free: filled at min-free-disk 10 %
    expect(d.availInodes).toBe(4) // 4.67 %
    expect(d.availSpace).toBe(99 * 4096)
    expect(d.chunks).toBe(4) // 1000 blocks of 4 KiB in 1 MiB chunks, rounded up
  })

  it('counts a filesystem without an inode count (f_files 0) as 100 % free inodes', () => {
    expect(diskUsageOf({ blocks: 10, bavail: 5, bsize: 4096, frsize: 4096, files: 0, ffree: 0 }).availInodes).toBe(100)
  })

  it('counts free space in f_frsize units', () => {
    expect(diskUsageOf({ blocks: 10, bavail: 3, bsize: 4096, frsize: 1024, files: 1, ffree: 1 }).availSpace).toBe(3072)
  })
})

describe('min-free-disk values (pc_or_size)', () => {
  it('reads a percentage below 100 and a size otherwise', () => {
    expect(parseMinFreeDisk('10%')).toBe(10)
    expect(parseMinFreeDisk('10')).toBe(10)
    expect(parseMinFreeDisk('0.5%')).toBe(0.5)
    expect(parseMinFreeDisk('2GB')).toBe(2 * 1024 ** 3)
    expect(parseMinFreeDisk('512kb')).toBe(512 * 1024)
    expect(parseMinFreeDisk('1000')).toBe(1000)
    expect(diskIsPercent({ disk: 10, inodes: 5 })).toBe(true)
    expect(diskIsPercent({ disk: 100, inodes: 5 })).toBe(false) // "100" is 100 bytes in C
    expect(diskIsPercent({ disk: parseMinFreeDisk('50B')!, inodes: 5 })).toBe(true) // C's quirk: a number, not a unit
  })

  it('refuses what C refuses', () => {
    for (const bad of ['', '-5%', '101%', '10 %', '10XB', 'ten']) expect(parseMinFreeDisk(bad), bad).toBeUndefined()
  })
})

describe('filled subvolumes (dht_is_subvol_filled)', () => {
  it('is filled strictly below min-free-disk in percent', () => {
    expect(filledBy(du(9), DEFAULTS)).toBe('space')
    expect(filledBy(du(10), DEFAULTS)).toBeUndefined()
    expect(filledBy(du(11), DEFAULTS)).toBeUndefined()
  })

  it('compares bytes when min-free-disk is a size', () => {
    const min = { disk: 1024 ** 3, inodes: 5 }
    expect(filledBy(du(1, 50, 1024 ** 3 - 1), min)).toBe('space')
    expect(filledBy(du(1, 50, 1024 ** 3), min)).toBeUndefined() // 1 % free but 1 GiB left
  })

  it('is filled strictly below min-free-inodes, space first', () => {
    expect(filledBy(du(50, 4), DEFAULTS)).toBe('inodes')
    expect(filledBy(du(50, 5), DEFAULTS)).toBeUndefined()
    expect(filledBy(du(5, 4), DEFAULTS)).toBe('space')
  })

  it('counts a brick never measured as filled (all zero, as C\'s du_stats start)', () => {
    expect(filledBy(NO_DISK_USAGE, DEFAULTS)).toBe('space')
  })
})

describe('where a file whose hashed subvolume is filled goes (dht_free_disk_available_subvol)', () => {
  it('picks the subvolume above both limits with the most room', () => {
    expect(availableSubvol([du(5), du(40), du(60)], DEFAULTS, 0, all)).toBe(2)
    expect(availableSubvol([du(5), du(60), du(40)], DEFAULTS, 0, all)).toBe(1)
  })

  it('keeps the first of equal subvolumes', () => {
    expect(availableSubvol([du(5), du(40), du(40)], DEFAULTS, 0, all)).toBe(1)
  })

  it('lets a later subvolume with more free inodes win though it has less space (C\'s OR)', () => {
    expect(availableSubvol([du(5), du(80, 20), du(30, 60)], DEFAULTS, 0, all)).toBe(2)
  })

  it('needs strictly more than each limit to be a first choice', () => {
    // Subvolume 1 sits exactly at 10 %: not filled, but no candidate either; 2 is filled by inodes.
    expect(availableSubvol([du(5), du(10), du(90, 4)], DEFAULTS, 0, all)).toBe(2)
  })

  it('compares bytes when min-free-disk is a size', () => {
    const min = { disk: 1000, inodes: 5 }
    expect(availableSubvol([du(1, 50, 10), du(90, 50, 2000), du(1, 50, 5000)], min, 0, all)).toBe(2)
  })

  it('when all are filled, takes the one with the most free space that has inodes, not the hashed one', () => {
    expect(availableSubvol([du(3), du(8), du(6)], DEFAULTS, 0, all)).toBe(1)
    expect(availableSubvol([du(3), du(8, 0), du(6, 1)], DEFAULTS, 0, all)).toBe(2)
    expect(availableSubvol([du(8), du(3), du(6)], DEFAULTS, 1, all)).toBe(0)
  })

  it('falls back to the hashed subvolume when none has any room known', () => {
    expect(availableSubvol([NO_DISK_USAGE, NO_DISK_USAGE, NO_DISK_USAGE], DEFAULTS, 1, all)).toBe(1)
    expect(availableSubvol([du(3, 0), du(0), du(2, 0)], DEFAULTS, 1, all)).toBe(1)
  })

  it('skips subvolumes with a layout error or decommissioned', () => {
    expect(availableSubvol([du(5), du(90), du(40)], DEFAULTS, 0, (i) => i !== 1)).toBe(2)
    expect(availableSubvol([du(5), du(8), du(6)], DEFAULTS, 0, (i) => i !== 1)).toBe(2)
    expect(availableSubvol([du(5), du(90)], DEFAULTS, 0, (i) => i !== 1)).toBe(0)
  })
})
