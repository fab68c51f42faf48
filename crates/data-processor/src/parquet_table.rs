//! A small columnar table written as one Parquet file (Snappy, one row group), with the parquet
//! crate's low-level writer: no arrow, which keeps the Lambda build lean.

use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

/// One column's values, in schema order.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Double(Vec<f64>),
    Text(Vec<String>),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::Int32(v) => v.len(),
            Column::Int64(v) => v.len(),
            Column::Double(v) => v.len(),
            Column::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Writes `columns` (all REQUIRED, in the order of `schema`, a Parquet message type) to bytes.
pub fn write(schema: &str, columns: &[Column]) -> Result<Vec<u8>, ParquetError> {
    let schema = Arc::new(parse_message_type(schema)?);
    if schema.get_fields().len() != columns.len() {
        return Err(ParquetError::General(format!(
            "{} columns given for a schema of {}",
            columns.len(),
            schema.get_fields().len()
        )));
    }
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    let mut out = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut out, schema, props)?;
    let mut group = writer.next_row_group()?;
    let mut i = 0;
    while let Some(mut col) = group.next_column()? {
        match &columns[i] {
            Column::Int32(v) => {
                col.typed::<Int32Type>().write_batch(v, None, None)?;
            }
            Column::Int64(v) => {
                col.typed::<Int64Type>().write_batch(v, None, None)?;
            }
            Column::Double(v) => {
                col.typed::<DoubleType>().write_batch(v, None, None)?;
            }
            Column::Text(v) => {
                let values: Vec<ByteArray> = v.iter().map(|s| ByteArray::from(s.as_str())).collect();
                col.typed::<ByteArrayType>().write_batch(&values, None, None)?;
            }
        }
        col.close()?;
        i += 1;
    }
    group.close()?;
    writer.close()?;
    Ok(out)
}
