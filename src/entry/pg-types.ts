import pg from 'pg';

const INT8_OID = 20;

// pg returns int8 (bigint ids, count(*)) as strings; PGlite returns numbers. Parse them as numbers
// so every caller sees one type. Our int8s (ids, counts) stay far below 2^53.
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};
