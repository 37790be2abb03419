// Mono-only stand-in for the few System.Management.Automation types that
// GroupWriteback.Native's ObjectJson touches (the real assembly is Windows
// PowerShell's, in the GAC on Windows). Properties are read by reflection.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Reflection;

namespace System.Management.Automation
{
    [Flags] public enum PSMemberTypes { AliasProperty = 1, CodeProperty = 2, Property = 4, NoteProperty = 8, All = 0xFFFF }
    public abstract class PSMemberInfo { public abstract string Name { get; } public abstract object Value { get; set; } }
    public abstract class PSPropertyInfo : PSMemberInfo { }
    public sealed class PSNoteProperty : PSPropertyInfo
    {
        private readonly string _name; private object _value;
        public PSNoteProperty(string name, object value) { _name = name; _value = value; }
        public override string Name => _name;
        public override object Value { get => _value; set => _value = value; }
    }
    // Computed properties: the module never reads them (a getter that counts shows it).
    public class PSScriptProperty : PSPropertyInfo
    {
        private readonly string _name; private readonly Func<object> _get;
        public PSScriptProperty(string name, Func<object> get) { _name = name; _get = get; }
        public override string Name => _name;
        public override object Value { get => _get(); set => throw new NotSupportedException(); }
    }
    public class PSCodeProperty : PSPropertyInfo
    {
        private readonly string _name;
        public PSCodeProperty(string name) { _name = name; }
        public override string Name => _name;
        public override object Value { get => throw new InvalidOperationException("a code property was read"); set => throw new NotSupportedException(); }
    }
    internal sealed class ReflectedProperty : PSPropertyInfo
    {
        private readonly PropertyInfo _p; private readonly object _o;
        public ReflectedProperty(PropertyInfo p, object o) { _p = p; _o = o; }
        public override string Name => _p.Name;
        public override object Value { get => _p.GetValue(_o); set => _p.SetValue(_o, value); }
    }
    public class ReadOnlyPSMemberInfoCollection<T> : IEnumerable<T> where T : PSMemberInfo
    {
        private readonly List<T> _items;
        internal ReadOnlyPSMemberInfoCollection(List<T> items) { _items = items; }
        public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();
    }
    public abstract class PSMemberInfoCollection<T> : IEnumerable<T> where T : PSMemberInfo
    {
        public abstract ReadOnlyPSMemberInfoCollection<T> Match(string name, PSMemberTypes memberTypes);
        public abstract IEnumerator<T> GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
    internal sealed class Props : PSMemberInfoCollection<PSPropertyInfo>
    {
        internal readonly List<PSPropertyInfo> Notes = new List<PSPropertyInfo>();
        private readonly object _o;
        public Props(object o) { _o = o; }
        private List<PSPropertyInfo> All()
        {
            var all = new List<PSPropertyInfo>(Notes);
            if (_o != null && !(_o is PSCustomObject))
                foreach (PropertyInfo p in _o.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                    if (p.GetIndexParameters().Length == 0) all.Add(new ReflectedProperty(p, _o));
            return all;
        }
        public override ReadOnlyPSMemberInfoCollection<PSPropertyInfo> Match(string name, PSMemberTypes memberTypes)
            => new ReadOnlyPSMemberInfoCollection<PSPropertyInfo>((memberTypes & PSMemberTypes.NoteProperty) != 0 && (memberTypes & PSMemberTypes.Property) == 0 ? new List<PSPropertyInfo>(Notes) : All());
        public override IEnumerator<PSPropertyInfo> GetEnumerator() => All().GetEnumerator();
    }
    public sealed class PSCustomObject { }
    public class PSObject
    {
        private readonly Props _props;
        public PSObject() : this(new PSCustomObject()) { }
        public PSObject(object obj) { BaseObject = obj; _props = new Props(obj); }
        public object BaseObject { get; }
        public PSMemberInfoCollection<PSPropertyInfo> Properties => _props;
        public Collection<string> TypeNames { get; } = new Collection<string>();
        public static PSObject AsPSObject(object obj) => obj as PSObject ?? new PSObject(obj);
        public void AddNote(string name, object value) => _props.Notes.Add(new PSNoteProperty(name, value));
        public void AddScript(string name, Func<object> get) => _props.Notes.Add(new PSScriptProperty(name, get));
    }
    public struct SwitchParameter
    {
        public SwitchParameter(bool isPresent) { IsPresent = isPresent; }
        public bool IsPresent { get; }
        public static implicit operator bool(SwitchParameter s) => s.IsPresent;
    }
    public class ScriptBlock { }
}
