//! Errors the core reports; the PyO3 layer maps them to Python exceptions.

use std::fmt;

/// An input or option the metric cannot score. `index` names the offending pair when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricError {
    pub kind: ErrorKind,
    pub message: String,
    pub index: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A value is out of its domain (unknown rouge type, negative order, ...): Python `ValueError`.
    Value,
    /// Feature exists in the reference but is not supported here: Python `ValueError`.
    Unsupported,
    /// A bug in lexmetrics (a caught panic): Python `lexmetrics.InternalError`.
    Internal,
    /// The call was asked to stop (`crate::interrupt`): the binding raises the pending signal.
    Interrupted,
}

impl MetricError {
    pub fn value(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Value,
            message: message.into(),
            index: None,
        }
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Unsupported,
            message: message.into(),
            index: None,
        }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Internal,
            message: message.into(),
            index: None,
        }
    }
    pub fn interrupted() -> Self {
        Self {
            kind: ErrorKind::Interrupted,
            message: "interrupted".into(),
            index: None,
        }
    }
    pub fn at(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }
}

impl fmt::Display for MetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(f, "{} (at index {})", self.message, i),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for MetricError {}

pub type Result<T> = std::result::Result<T, MetricError>;
