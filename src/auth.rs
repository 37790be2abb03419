//! Sign-in to Microsoft Entra ID (placeholder: being written).
